FROM python:3.12.4-slim AS build
CMD ["pytest"]
ENTRYPOINT ["/bin/sh", "-c"]
FROM python:3.12.4-slim
CMD ["python", "-m", "app"]
ENTRYPOINT ["/entrypoint.sh"]
