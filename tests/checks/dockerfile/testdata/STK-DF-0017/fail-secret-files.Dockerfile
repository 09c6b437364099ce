# expect: 11
# expect: 12
# expect: 13
# expect: 14
# expect: 15
# expect: 16
# expect: 17
FROM node:20.15.1-slim AS build
RUN echo build
FROM node:20.15.1-slim
COPY id_rsa /root/.ssh/id_rsa
COPY .env .
COPY --chown=10001:10001 .npmrc package.json ./
ADD deploy/.aws/credentials /root/.aws/credentials
COPY --from=build /root/.ssh /root/.ssh
COPY tls/server.key /etc/ssl/private/
COPY .env.production* ./
