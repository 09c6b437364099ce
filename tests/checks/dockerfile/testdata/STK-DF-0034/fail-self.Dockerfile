# expect: 5
# expect: 7
FROM node:20.15.1 AS build
RUN npm ci
COPY --from=build /src/dist /dist
FROM nginx:1.27.0 AS web
COPY --from=WEB /etc/nginx /etc/nginx
