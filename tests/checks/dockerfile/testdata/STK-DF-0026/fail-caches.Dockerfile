# expect: 10
# expect: 12
# expect: 13
# expect: 14
# expect: 15
# expect: 18
FROM python:3.12.4 AS build
RUN pip install flask==3.0.3
FROM python:3.12.4-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5
RUN apk add curl=8.5.0-r0
RUN pip install flask==3.0.3
RUN dnf install -y vendor-tool-1.4.2
RUN zypper -n install vim=9.1.0330
RUN <<EOF
set -e
python3 -m pip install gunicorn==22.0.0
EOF
