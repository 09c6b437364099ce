# expect: 8
# expect: 9
# expect: 11
# expect: 13
# expect: 16
# expect: 20
FROM alpine:3.20
ENV AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
RUN git clone https://deploy:Sup3rS3cretPw@git.example.com/acme/app.git /src
RUN apk add --no-cache git=2.45.2-r0 \
 && git config --global url."https://x-access-token:ghp_EXAMPLE00000000000000000000000000000@github.com/".insteadOf "https://github.com/"
COPY <<EOF /root/.npmrc
//registry.npmjs.org/:_authToken=npm_EXAMPLE00000000000000000000000000000
EOF
COPY <<EOF /root/.ssh/id_ed25519
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
-----END OPENSSH PRIVATE KEY-----
EOF
LABEL build.token=ghp_EXAMPLE00000000000000000000000000000
