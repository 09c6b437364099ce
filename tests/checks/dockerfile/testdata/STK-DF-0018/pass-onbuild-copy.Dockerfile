FROM node:20.15.1-slim@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
WORKDIR /usr/src/app
ONBUILD COPY . /usr/src/app
ONBUILD RUN npm ci
USER 10001
