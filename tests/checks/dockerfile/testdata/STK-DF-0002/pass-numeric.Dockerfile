FROM python:3.12.4-slim
USER app
USER 10001:app
