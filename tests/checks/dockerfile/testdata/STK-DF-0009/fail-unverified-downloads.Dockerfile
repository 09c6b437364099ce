# expect: 7
# expect: 8
# expect: 9
# expect: 10
# expect: 11
FROM alpine:3.20
ADD https://example.com/tool-1.4.2.tar.gz /tmp/
ADD https://github.com/acme/tool.git#v1.2.0 /src/tool
ADD --chown=10001:10001 http://example.com/data.bin /data/
ADD git@github.com:acme/private.git /src/private
ADD https://deploy-user-with-a-long-name:VeryLongSecretPassword123@downloads.example.com/releases/tool-1.4.2.tar.gz /tmp/
