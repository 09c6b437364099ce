# expect: 6
# expect: 8
# expect: 9
# expect: 10
FROM debian:12.6-slim
RUN apt-get update
RUN apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5
RUN apk update
RUN apt-get update && apt-get clean
RUN dnf makecache
