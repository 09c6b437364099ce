FROM debian:12.6-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends openssh-server=1:9.2p1-2+deb12u3
EXPOSE 22
FROM debian:12.6-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssh-client=1:9.2p1-2+deb12u3 \
 && rm -rf /var/lib/apt/lists/*
EXPOSE 2222 8022 22/udp
