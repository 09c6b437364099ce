# allowed-registries: docker.io, *.example.com, ghcr.io/acme
ARG REG
FROM alpine:3.20 AS a
FROM library/nginx:1.27
FROM index.docker.io/library/redis:7
FROM registry.example.com/base/python:3.12.4
FROM eu.registry.example.com/x:1
FROM ghcr.io/acme/tool:1.0
FROM ${REG}/anything:1
FROM a
FROM scratch
