# expect: 8
# expect: 9
# expect: 10
# expect: 11
# expect: 12
# expect: 13
FROM debian:12.6-slim
RUN apt-get update && apt-get install curl=7.88.1-10+deb12u5
RUN apt-get -q install git=1:2.39.2-1.1
RUN yum install vendor-tool-1.4.2
RUN zypper install vim=9.1.0330
RUN apt-get purge gcc
RUN microdnf install nginx-1.24.0 && microdnf clean all
