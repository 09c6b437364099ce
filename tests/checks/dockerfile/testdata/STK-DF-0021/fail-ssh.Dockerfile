# expect: 7
# expect: 9
# expect: 10
# expect: 11
FROM debian:12.6-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssh-server=1:9.2p1-2+deb12u3 \
 && rm -rf /var/lib/apt/lists/*
EXPOSE 22
EXPOSE 8080 22/tcp
EXPOSE 20-25
