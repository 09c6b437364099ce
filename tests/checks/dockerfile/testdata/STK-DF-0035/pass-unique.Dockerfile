FROM node:20.15.1 AS deps
FROM node:20.15.1 AS build
FROM alpine:3.20
FROM alpine:3.20
