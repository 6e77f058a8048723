# One image for the API and the worker; the command picks the role.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# The image's own Node 24 runs everything: production dependencies only, so the `node` dev dependency
# (the runtime the project brings to machines without Node 24) is never installed here.
FROM node:24-bookworm-slim
ENV NODE_ENV=production CLIENT_DIR=/app/client/dist STORAGE_DIR=/data/storage
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && mkdir -p /data/storage && chown -R node /data
COPY . .
COPY --from=build /app/client/dist ./client/dist
USER node
EXPOSE 3000
CMD ["npm", "run", "serve"]
