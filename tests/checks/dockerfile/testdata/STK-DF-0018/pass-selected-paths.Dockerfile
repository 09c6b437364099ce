# syntax=docker/dockerfile:1.7-labs
FROM node:20.15.1-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY src/ ./src/
FROM node:20.15.1-slim
COPY --from=build . /app
COPY --exclude=.git --exclude=.env . /srv/
