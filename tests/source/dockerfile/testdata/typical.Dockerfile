# syntax=docker/dockerfile:1
ARG PYTHON_VERSION=3.12
ARG DEBIAN=bookworm

FROM python:${PYTHON_VERSION}-slim-${DEBIAN} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential gcc libpq-dev \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --prefix=/install -r requirements.txt
COPY . .
RUN python -m compileall -q /src && find /src -name '*.pyc' -delete

FROM python:${PYTHON_VERSION}-slim-${DEBIAN}
LABEL org.opencontainers.image.source="https://example.com/app" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PATH="/install/bin:${PATH}" PYTHONPATH=/install/lib/python3.12/site-packages
RUN groupadd --system app && useradd --system --gid app --home /app app
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 curl \
    && curl -fsSL https://example.com/install.sh | sh -s -- --quiet \
    && apt-get purge -y --auto-remove curl && rm -rf /var/lib/apt/lists/*
COPY --from=build /install /install
COPY --from=build --chown=app:app /src /app
WORKDIR /app
RUN set -eux; \
    for d in logs tmp data; do mkdir -p "/app/$d"; chown app:app "/app/$d"; done; \
    if [ -f /app/entrypoint.sh ]; then chmod +x /app/entrypoint.sh; fi
USER app
EXPOSE 8000/tcp
VOLUME ["/app/data"]
HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://localhost:8000/health || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/entrypoint.sh"]
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app.wsgi:application"]
