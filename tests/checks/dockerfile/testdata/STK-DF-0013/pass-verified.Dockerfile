FROM python:3.12.4-slim
RUN curl -fsSL -o k https://downloads.example.com/tool.tgz
RUN curl -fsSL -K /etc/curlrc https://downloads.example.com/tool.tgz
RUN wget -q https://downloads.example.com/tool.tgz
RUN pip install --no-cache-dir --index-url https://pypi.internal/simple app==1.0
RUN git config --global http.sslVerify true
RUN npm config set strict-ssl true
ENV NODE_TLS_REJECT_UNAUTHORIZED=1 \
    PYTHONHTTPSVERIFY=1 \
    NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/corp.crt
