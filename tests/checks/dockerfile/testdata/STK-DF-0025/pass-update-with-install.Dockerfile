FROM debian:12.6-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5
RUN apk update && apk upgrade
RUN yum update -y && yum clean all
RUN zypper refresh && zypper -n install vim=9.1.0330
