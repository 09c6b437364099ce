# syntax=docker/dockerfile:1-labs
FROM alpine:3.20
RUN --security=sandbox echo sandboxed
RUN --network=none make
