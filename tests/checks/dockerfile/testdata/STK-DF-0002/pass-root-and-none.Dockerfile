FROM alpine:3.20 AS a
USER root
FROM alpine:3.20
RUN echo no user here
