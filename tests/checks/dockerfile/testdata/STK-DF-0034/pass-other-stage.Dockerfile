FROM node:20.15.1 AS build
RUN npm ci
FROM nginx:1.27.0 AS web
COPY --from=build /src/dist /usr/share/nginx/html
COPY --from=0 /src/LICENSE /LICENSE
