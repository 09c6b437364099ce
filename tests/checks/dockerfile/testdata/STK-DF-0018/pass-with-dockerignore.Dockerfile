FROM node:20.15.1-slim
WORKDIR /src
COPY . .
