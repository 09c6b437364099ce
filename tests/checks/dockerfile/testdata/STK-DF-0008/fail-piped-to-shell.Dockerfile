# expect: 10
# expect: 11
# expect: 13
# expect: 15
# expect: 16
# expect: 17
# expect: 18
# expect: 21
FROM debian:12.6-slim
RUN curl -fsSL https://get.docker.com | sh
RUN wget -qO- https://example.com/install.sh | sudo bash -s -- --yes
RUN apt-get update \
 && curl -fsSL https://deb.nodesource.com/setup_20.x \
    | bash -
RUN curl -sS https://bootstrap.pypa.io/get-pip.py | python3
RUN sh -c "$(curl -fsSL https://example.com/install.sh)"
RUN bash <(curl -s https://example.com/install.sh)
RUN ["sh", "-c", "curl -fsSL https://example.com/i.sh | sh"]
RUN <<EOF
set -e
curl -fsSL https://example.com/setup | env FOO=1 bash
EOF
