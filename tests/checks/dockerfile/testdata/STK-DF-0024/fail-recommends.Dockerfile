# expect: 6
# expect: 8
FROM debian:12.6-slim AS build
RUN apt-get update && apt-get install -y gcc=4:12.2.0-3
FROM debian:12.6-slim
RUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u5 && rm -rf /var/lib/apt/lists/*
RUN apt-get update \
 && apt install -y \
      ca-certificates=20230311 \
 && rm -rf /var/lib/apt/lists/*
