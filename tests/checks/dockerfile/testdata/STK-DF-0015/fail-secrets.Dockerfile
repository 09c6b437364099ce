# expect: 8
# expect: 10
# expect: 12
# expect: 13
# expect: 14
# expect: 15
# expect: 16
ARG NPM_TOKEN=00000000-1111-2222-3333-444444444444
FROM node:20.15.1-slim
ENV DB_PASSWORD=hunter2hunter2
ENV APP_ENV=production \
    API_KEY="sk_test_abcdef123456"
ENV AWS_SECRET_ACCESS_KEY wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
ARG GITHUB_TOKEN
ENV GITHUB_TOKEN=${GITHUB_TOKEN}
ARG DB_USER=app DB_PASS=changeme-please
