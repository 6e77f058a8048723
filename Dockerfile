# One image for the API and the worker; the command picks the role.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production CLIENT_DIR=/app/client/dist STORAGE_DIR=/data/storage
WORKDIR /app
COPY --from=build /app /app
RUN npm prune --omit=dev --no-audit --no-fund && mkdir -p /data/storage && chown -R node /data
USER node
EXPOSE 3000
CMD ["npm", "run", "serve"]
