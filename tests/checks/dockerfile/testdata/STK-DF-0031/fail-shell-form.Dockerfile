# expect: 4
# expect: 5
FROM python:3.12.4-slim
ENTRYPOINT /usr/local/bin/start.sh
CMD python -m app
