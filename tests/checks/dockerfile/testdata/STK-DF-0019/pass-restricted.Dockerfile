FROM alpine:3.20
RUN chmod 1777 /scratch
RUN chmod 755 /app && chmod +x /app/entrypoint.sh
RUN chmod -R o-w /srv && chmod g+w /shared
RUN chmod +w /app/cache
COPY --chmod=0755 entrypoint.sh /usr/local/bin/
RUN install -d -m 0750 /var/lib/app
