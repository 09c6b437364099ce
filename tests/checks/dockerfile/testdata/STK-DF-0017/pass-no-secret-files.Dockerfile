FROM node:20.15.1-slim
COPY .env.example .
COPY id_rsa.pub /root/.ssh/authorized_keys
COPY tls/ca.pem /usr/local/share/ca-certificates/ca.crt
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci --omit=dev
