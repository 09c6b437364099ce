# expect: 4
# expect: 6
FROM node:20.15.1 AS build
FROM golang:1.22.5 AS build
FROM alpine:3.20 AS final
FROM alpine:3.20 AS build
