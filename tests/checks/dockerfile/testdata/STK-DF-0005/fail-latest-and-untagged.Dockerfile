# expect: 8
# expect: 9
# expect: 10
# expect: 11
# expect: 12
ARG IMAGE=alpine
ARG REGISTRY
FROM ubuntu
FROM ubuntu:latest AS other
FROM ${IMAGE}
FROM ${REGISTRY}/team/app
FROM localhost:5000/app
