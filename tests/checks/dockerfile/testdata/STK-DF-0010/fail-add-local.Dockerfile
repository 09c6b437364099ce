# expect: 6
# expect: 7
# expect: 8
# expect: 9
FROM alpine:3.20
ADD . /app
ADD config.yml settings.json /etc/app/
ADD --chown=10001:10001 scripts/ /usr/local/bin/
ADD <<EOF /etc/motd
welcome
EOF
