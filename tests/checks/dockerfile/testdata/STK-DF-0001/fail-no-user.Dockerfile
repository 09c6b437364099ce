# expect: 2
FROM node:20.15.1-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
CMD ["node", "server.js"]
