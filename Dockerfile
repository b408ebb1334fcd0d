# syntax=docker/dockerfile:1
# The tickets app: `docker build -t tickets .`, then any role (ROLES=api,worker,relay by default);
# the same image runs the gateway simulator and the migrations (docker-compose.yml).
ARG NODE_IMAGE=node:20.19-bookworm-slim

# Build with the dev dependencies (Nest CLI, TypeScript); only src/, simulator/ and migrations/
# are compiled (tsconfig.prod.json): no bench, no tests.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.prod.json nest-cli.json ./
COPY src src
COPY simulator simulator
COPY migrations migrations
COPY web web
RUN npm run build:prod

# The production dependencies alone.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production SCARF_ANALYTICS=false PORT=8080
# Owned by root, run as node: the process cannot rewrite its own code.
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json LICENSE ./
USER node
EXPOSE 8080
# Liveness only (the event loop answers): a process waiting for PostgreSQL or Redis to come back
# is not restarted for it. Readiness is /health/ready.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node itself as PID 1 (no npm in between) so SIGTERM reaches the app's graceful shutdown; the
# V8 flags of `npm start` (src/node-flags.ts).
CMD ["node", "--max-old-space-size=192", "dist/src/main.js"]
