# expect: 5
# expect: 6
ARG TAG=20250113
FROM debian:bookworm-"${TAG}"@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
FROM "alpine"
FROM alpine:"latest"
FROM 'alpine:3.20'
