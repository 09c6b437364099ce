FROM python:3.12.4-alpine AS build
RUN apk add --no-cache gcc=13.2.1_git20240309-r0
FROM python:3.12.4-alpine
RUN apk add --no-cache --virtual .build-deps gcc=13.2.1_git20240309-r0 musl-dev=1.2.5-r0 \
 && pip install --no-cache-dir psycopg==3.2.1 \
 && apk del .build-deps
RUN apt-get install -y g++=4:12.2.0-3 && make && apt-get purge -y g++
