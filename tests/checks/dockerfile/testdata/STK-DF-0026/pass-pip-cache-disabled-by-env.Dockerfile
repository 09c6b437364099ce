FROM python:3.12.4-slim
ENV PIP_NO_CACHE_DIR=1
RUN pip install flask==3.0.3
