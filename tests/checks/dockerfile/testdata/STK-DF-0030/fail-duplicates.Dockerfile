# expect: 9
# expect: 10
# expect: 11
# expect: 12
FROM python:3.12.4-slim
CMD ["python", "-m", "app"]
ENTRYPOINT ["/entrypoint.sh"]
HEALTHCHECK CMD ["true"]
CMD ["gunicorn", "app:app"]
ENTRYPOINT ["/docker-entrypoint.sh"]
HEALTHCHECK NONE
CMD ["python"]
