# expect: 6
FROM alpine:3.20
ARG APP_UID=0
RUN adduser -D app
COPY app /app
USER ${APP_UID}
