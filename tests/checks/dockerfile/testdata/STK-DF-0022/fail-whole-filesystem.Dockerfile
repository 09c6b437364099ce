# expect: 6
# expect: 7
FROM golang:1.22.5 AS build
RUN go build -o /out/app ./cmd/app
FROM scratch
COPY --from=build / /
COPY --from=alpine:3.20 / /rootfs
