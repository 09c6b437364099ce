FROM python:3.12.4-slim AS base
HEALTHCHECK NONE
FROM base
CMD ["python", "-m", "app"]
