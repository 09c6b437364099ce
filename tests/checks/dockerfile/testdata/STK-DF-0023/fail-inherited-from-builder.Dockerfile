# expect: 3
FROM golang:1.22.5-alpine AS builder
RUN apk add --no-cache gcc=13.2.1_git20240309-r0 musl-dev=1.2.5-r0
RUN go build -o /out/app ./cmd/app
FROM builder AS final
ENTRYPOINT ["/out/app"]
