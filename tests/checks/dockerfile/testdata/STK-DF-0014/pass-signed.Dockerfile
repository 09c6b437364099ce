FROM debian:12.6-slim
RUN echo "deb [signed-by=/etc/apt/keyrings/vendor.asc] https://repo.example.com/apt stable main" \
      > /etc/apt/sources.list.d/vendor.list
RUN apt-get update && apt-get install -y --no-install-recommends vendor-tool=1.4.2
RUN rpm --import https://repo.example.com/key.asc
RUN dnf install -y vendor-tool-1.4.2 && dnf clean all
RUN apk add --no-cache vendor-tool=1.4.2-r0
RUN printf '[vendor]\nbaseurl=https://repo.example.com\ngpgcheck=1\nrepo_gpgcheck=0\n' > /etc/yum.repos.d/v.repo
ENV GOSUMDB=sum.golang.org GOPRIVATE=git.internal
