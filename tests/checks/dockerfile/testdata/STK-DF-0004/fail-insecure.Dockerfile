# expect: 5
# expect: 7
# syntax=docker/dockerfile:1-labs
FROM docker:27.0.3-dind
RUN --security=insecure dockerd & sleep 5 && docker info
RUN --mount=type=cache,target=/root/.cache \
    --security=insecure make test
