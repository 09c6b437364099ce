# expect: 5
# expect: 6
# expect: 7
ARG PY=3.12.4
FROM python:${PY}-slim AS build
FROM alpine:3.20
FROM alpine@sha256:abc
FROM build
