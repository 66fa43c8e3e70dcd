# The time bank bot as a container: build (native better-sqlite3, both Prisma clients), then a slim
# non-root runtime with a volume for the SQLite file, backups and files, and a health check on the
# one HTTP port. Docker cannot run on the development machine: this file is kept simple and is not
# exercised by the tests.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci
COPY . .
RUN npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    DATABASE_URL=file:/data/timebank.db \
    TIMEBANK_BACKUP_DIR=/data/backups \
    TIMEBANK_FILES_DIR=/data/files \
    TIMEBANK_WEB_PORT=8080 \
    LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app /app
RUN useradd --system --uid 10001 --home /app timebank && mkdir -p /data && chown timebank /data
USER timebank
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD node -e "fetch('http://127.0.0.1:8080/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# A platform token (TELEGRAM_BOT_TOKEN or SLACK_BOT_TOKEN) is needed: without one the bot runs the
# console channel, which ends when its stdin does.
CMD ["node", "--import", "tsx", "src/main.ts"]
