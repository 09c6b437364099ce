FROM alpine:3.19@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa AS base-amd64
FROM alpine:3.19@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa AS base-arm64
FROM base-$TARGETARCH AS final
FROM img-$TARGETOS${DEBUG:+-debug}
FROM base-${TARGETARCH}${TARGETVARIANT}
