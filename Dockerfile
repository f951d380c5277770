# syntax=docker/dockerfile:1
#
# Atrium in a container: `docker build -t atrium .` then `docker compose up` (compose.yaml), or
#   docker run -p 8080:8080 -v atrium-data:/var/lib/atrium -e ATRIUM_PUBLIC_URL=https://chat.example.com atrium
# See README, Deploying.

# --- build: the same install and build commands CI runs (.ci/run) ------------------------------
FROM node:20-bookworm AS build
WORKDIR /src
# Sources first: `npm ci` runs the package's `prepare` script, which builds.
COPY . .
RUN npm ci --no-audit --no-fund
RUN npm run build
# Keep only production dependencies (compiled native modules such as better-sqlite3 stay built).
RUN npm prune --omit=dev --no-audit --no-fund

# --- runtime: production dependencies and the built server and web client, as a non-root user ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    ATRIUM_DATA_DIR=/var/lib/atrium
WORKDIR /app
COPY --from=build /src/package.json /src/package-lock.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/web/dist ./web/dist
COPY --from=build /src/bin ./bin
# The SQLite database and uploads live in the data directory (unused on PostgreSQL, which keeps
# uploads in the database). The image's `node` user (uid 1000) owns it and runs the server.
RUN mkdir -p /var/lib/atrium && chown node:node /var/lib/atrium
USER node
VOLUME ["/var/lib/atrium"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/main.js"]
CMD ["serve"]
