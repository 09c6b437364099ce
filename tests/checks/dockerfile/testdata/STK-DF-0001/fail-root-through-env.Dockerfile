# expect: 7
FROM alpine:3.20 AS base
ENV RUN_AS=root
FROM base
ARG RUN_AS=10001
RUN echo hi
USER ${RUN_AS}:${RUN_AS}
