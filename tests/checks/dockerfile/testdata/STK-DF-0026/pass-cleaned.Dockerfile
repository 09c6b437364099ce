FROM python:3.12.4-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 \
 && rm -rf /var/lib/apt/lists/*
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get update && apt-get install -y --no-install-recommends git=1:2.39.2-1.1
RUN apk add --no-cache curl=8.5.0-r0
RUN pip install --no-cache-dir flask==3.0.3
RUN --mount=type=cache,target=/root/.cache/pip pip install gunicorn==22.0.0
RUN dnf install -y vendor-tool-1.4.2 && dnf clean all
RUN zypper -n install vim=9.1.0330 && zypper clean --all
