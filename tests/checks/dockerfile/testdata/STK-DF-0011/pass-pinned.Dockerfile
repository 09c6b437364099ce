FROM debian:12.6-slim
ARG PACKAGES="curl=7.88.1-10+deb12u5"
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 ./vendor.deb $PACKAGES \
 && rm -rf /var/lib/apt/lists/*
RUN apk add --no-cache --virtual .deps curl=8.5.0-r0 openssl~3.1
RUN dnf install -y curl-7.76.1-26.el9 @development && dnf clean all
RUN dnf module install -y nodejs:20 && dnf clean all
RUN zypper -n in vim=9.1.0330 && zypper clean
RUN apt-get update && apt-get upgrade -y && rm -rf /var/lib/apt/lists/*
