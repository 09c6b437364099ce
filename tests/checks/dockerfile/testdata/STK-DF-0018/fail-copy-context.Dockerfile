# expect: 7
# expect: 9
# expect: 10
# expect: 11
FROM node:20.15.1-slim AS build
WORKDIR /src
COPY . .
FROM node:20.15.1-slim
ADD . /app
COPY --chown=10001:10001 ./ /srv/
COPY * ./
