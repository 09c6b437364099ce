# expect: 15
# expect: 16
# expect: 17
# expect: 18
# expect: 19
# expect: 20
# expect: 21
# expect: 22
# expect: 23
# expect: 24
# expect: 26
# expect: 27
# expect: 28
FROM python:3.12.4-slim
RUN curl -fsSLk https://downloads.example.com/tool.tgz -o /tmp/tool.tgz
RUN wget --no-check-certificate https://downloads.example.com/tool.tgz
RUN pip install --no-cache-dir --trusted-host pypi.internal -r requirements.txt
RUN npm config set strict-ssl false
RUN yarn config set strict-ssl false
RUN git -c http.sslVerify=false clone https://git.internal/acme/app.git
RUN GIT_SSL_NO_VERIFY=1 git clone https://git.internal/acme/lib.git
RUN dnf config-manager --save --setopt=sslverify=0
RUN kubectl --insecure-skip-tls-verify apply -f /manifests
ENV NODE_TLS_REJECT_UNAUTHORIZED=0
ENV LANG=C.UTF-8 \
    PYTHONHTTPSVERIFY=0
ARG GOINSECURE=git.internal
ONBUILD RUN curl --insecure https://example.com/x
