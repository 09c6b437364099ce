FROM debian:12.6-slim
RUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u5
RUN apt-get -qq install git=1:2.39.2-1.1
RUN apt-get install --assume-yes vim=2:9.0.1378-2
RUN yes | apt-get install make=4.3-4.1
RUN dnf -y install vendor-tool-1.4.2 && microdnf install -y other-1.0
RUN zypper --non-interactive install vim=9.1.0330
RUN apk add --no-cache curl=8.5.0-r0
