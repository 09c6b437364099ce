# expect: 5
ARG RUN_AS=root
FROM alpine:3.20
ARG RUN_AS
USER $RUN_AS
