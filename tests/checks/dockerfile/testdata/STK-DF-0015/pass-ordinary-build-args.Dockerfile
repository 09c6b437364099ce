FROM node:20.15.1-slim
ARG VERSION=1.2.3
ARG DB_USER
ARG NPM_TOKEN_FILE
RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci
