# expect: 10
# expect: 15
# expect: 16
# expect: 17
# expect: 18
# expect: 19
# expect: 20
FROM debian:12.6-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      # tools we need
      curl \
      git=1:2.39.2-1.1 \
 && rm -rf /var/lib/apt/lists/*
RUN apt-get install -y vim/bookworm-backports
RUN apk add --no-cache curl
RUN apk add --no-cache 'openssl>=3.1'
RUN dnf install -y python3-pip && dnf clean all
RUN microdnf install -y java-17-openjdk-headless && microdnf clean all
RUN zypper -n in vim && zypper clean
