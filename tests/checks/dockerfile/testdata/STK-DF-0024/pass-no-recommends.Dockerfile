FROM debian:12.6-slim AS build
RUN apt-get update && apt-get install -y gcc=4:12.2.0-3
FROM debian:12.6-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5
RUN apt-get install -y -o APT::Install-Recommends=false git=1:2.39.2-1.1
