# expect: 4
FROM python:3.12.4-slim AS base
RUN useradd app
USER app
FROM base
CMD ["python"]
