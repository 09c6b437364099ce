# expect: 9
# expect: 11
# expect: 12
# expect: 13
# expect: 14
# expect: 15
# expect: 17
FROM alpine:3.20
RUN chmod 777 /app
RUN mkdir -p /data \
 && chmod -R a+w /data
COPY --chmod=666 config.yml /etc/app/
RUN mkdir -m 777 /shared
RUN find /srv -type d -exec chmod o+w {} +
RUN install -m 0777 tool /usr/local/bin/tool
COPY --chown=10001:10001 \
     --chmod=0777 entrypoint.sh /usr/local/bin/
