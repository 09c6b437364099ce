# expect: 9
# expect: 10
# expect: 12
# expect: 16
FROM alpine:3.20 AS tools
SHELL ["/bin/ash", "-o", "pipefail", "-c"]
RUN echo tools | tee /tools
FROM debian:12.6-slim
RUN curl -fsSL https://example.com/tool-1.4.2.tgz | tar -xz -C /opt
RUN echo start && wget -qO- https://example.com/data.gz | gunzip > /data
RUN apt-get update \
 && curl -fsSL https://example.com/key.asc \
    | gpg --dearmor -o /etc/apt/keyrings/example.gpg
RUN <<EOF
set -e
echo a | tee /b
EOF
