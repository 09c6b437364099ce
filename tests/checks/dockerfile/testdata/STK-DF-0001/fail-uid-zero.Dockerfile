# expect: 5
FROM alpine:3.20
RUN adduser -D -u 10001 app
USER 10001
USER 0:0
ENTRYPOINT ["/bin/sh"]
