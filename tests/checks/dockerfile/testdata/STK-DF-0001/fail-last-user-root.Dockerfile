# expect: 10
FROM python:3.12.4-slim AS build
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir -w /wheels .
FROM python:3.12.4-slim
RUN useradd --uid 10001 --no-log-init app
USER app
COPY --from=build /wheels /wheels
USER root
CMD ["python", "-m", "app"]
