# expect: 5
# expect: 6
ARG TAG=20250113
FROM "alpine@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
FROM debian:bookworm-"${TAG}"
FROM golang:1.22-$TARGETOS
