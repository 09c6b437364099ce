# expect: 4
# expect: 6
FROM python:3.12.4-slim
RUN export PIP_TRUSTED_HOST=pypi.internal \
 && pip install --no-cache-dir app==1.0
RUN ["curl", "-k", "https://example.com/x"]
