FROM --platform=$BUILDPLATFORM golang:1.22 AS build
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=secret,id=netrc,target=/root/.netrc \
    --network=none --security=insecure \
    go build -o /out/app ./cmd/app
COPY --from=build --chown=1000:1000 --chmod=0755 --link /out/app /usr/local/bin/app
COPY --parents --exclude=*.md --exclude=*.txt ./docs/ /srv/
ADD --keep-git-dir=true --checksum=sha256:0123 --unpack=false https://example.com/x.git /src
COPY --link=yes --from a /b
RUN --mount="type=bind,source=a b,target=/c" ls
ENV --oops=1 A=b
RUN -- --not-a-flag
