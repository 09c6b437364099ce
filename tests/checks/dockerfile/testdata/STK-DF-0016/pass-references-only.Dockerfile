FROM alpine:3.20
ARG GITHUB_TOKEN
ENV AWS_REGION=eu-west-1 AWS_ACCESS_KEY_ID_FILE=/run/secrets/aws_key_id
RUN --mount=type=secret,id=github_token,env=GITHUB_TOKEN \
    git clone "https://x-access-token:${GITHUB_TOKEN}@github.com/acme/private.git" /src
RUN curl -fsSL https://user:***@example.com/x || true
COPY <<EOF /etc/ssl/certs/corp.pem
-----BEGIN CERTIFICATE-----
MIIBszCCAVmgAwIBAgIUExample
-----END CERTIFICATE-----
EOF
