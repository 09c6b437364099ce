# expect: 4
FROM nginx:1.27.0 AS base
HEALTHCHECK CMD curl -f http://localhost/ || exit 1
FROM nginx:1.27.0
COPY site/ /usr/share/nginx/html/
