# expect: 7
FROM node:20.15.1 AS build
USER node
RUN npm ci
FROM node:20.15.1-slim
COPY --from=build /app /app
USER app:app
CMD ["node", "/app/server.js"]
