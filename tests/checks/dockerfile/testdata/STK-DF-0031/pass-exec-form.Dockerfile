FROM python:3.12.4-slim AS build
CMD pytest -q
FROM python:3.12.4-slim
CMD python -m app
CMD ["python", "-m", "app"]
ENTRYPOINT exec /usr/local/bin/start.sh
