# expect: 6
# expect: 8
# expect: 9
# expect: 10
# expect: 11
ARG PIP_INDEX_TOKEN
FROM node:20.15.1-slim
ARG NPM_TOKEN
ARG GITHUB_TOKEN=""
ARG DB_USER DB_PASSWORD
ARG API_TOKEN=$CI_TOKEN
RUN --mount=type=cache,target=/root/.npm npm ci
