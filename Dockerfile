# Tmomi's image: `docker build -t tmomi .` — see docs/deploy.md.

# Build stage: every dependency, to compile TypeScript to dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The web app is built here too (npm run build = server + web); it imports a few modules from src/.
COPY web ./web
RUN npm run build

# Runtime stage: production dependencies and the compiled code only, run as the unprivileged `node` user.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    TMOMI_DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Served from web/dist beside dist/ (src/web/routes.ts).
COPY --from=build /app/web/dist ./web/dist
COPY bin ./bin
COPY migrations ./migrations
# Only the embedded mode (no DATABASE_URL) writes here: its PostgreSQL and generated secret.
RUN mkdir /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 3000
# Liveness only: readiness (/readyz) is for balancers, which must stop sending to a draining node
# while Docker must not restart it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM starts the graceful drain; allow it 30 s (`docker stop -t 35`).
STOPSIGNAL SIGTERM
CMD ["node", "bin/tmomi.js", "start"]
