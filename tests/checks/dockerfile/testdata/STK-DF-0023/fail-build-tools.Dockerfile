# expect: 7
# expect: 9
FROM python:3.12.4 AS build
RUN pip wheel --no-cache-dir -w /wheels psycopg==3.2.1
FROM python:3.12.4-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc=4:12.2.0-3 libpq-dev=15.7-0+deb12u1 make=4.3-4.1 \
 && rm -rf /var/lib/apt/lists/*
RUN apk add --no-cache build-base=0.5-r3
