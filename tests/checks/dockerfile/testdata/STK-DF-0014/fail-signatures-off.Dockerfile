# expect: 11
# expect: 12
# expect: 13
# expect: 14
# expect: 15
# expect: 16
# expect: 17
# expect: 18
# expect: 19
FROM debian:12.6-slim
RUN apt-get install -y --allow-unauthenticated vendor-tool=1.4.2
RUN apt-get -o Acquire::AllowInsecureRepositories=true update
RUN echo "deb [trusted=yes] http://repo.internal/apt stable main" > /etc/apt/sources.list.d/internal.list
RUN yum install -y --nogpgcheck vendor-tool-1.4.2
RUN rpm -ivh --nosignature /tmp/vendor-tool.rpm
RUN apk add --no-cache --allow-untrusted /tmp/vendor-tool.apk
RUN zypper --no-gpg-checks -n in vendor-tool=1.4.2
RUN printf '[vendor]\nbaseurl=https://repo.internal\ngpgcheck=0\n' > /etc/yum.repos.d/vendor.repo
ENV GOSUMDB=off
