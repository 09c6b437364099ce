# expect: 7
# expect: 8
# expect: 9
# expect: 10
# expect: 11
FROM alpine:3.20
RUN chmod u+s /usr/bin/ping
RUN chmod 4755 /usr/local/bin/tool
RUN chmod g+s /var/shared
COPY --chmod=2755 helper /usr/local/bin/helper
RUN chmod +s /usr/local/bin/other
