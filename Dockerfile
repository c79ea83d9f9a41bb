# syntax=docker/dockerfile:1.7
#
# One image for the four services, the admin CLI and the two simulators. Node 24 runs the
# TypeScript sources as they are (type stripping): there is no build step, only an install.
#
#   docker build -t provision .
#   docker run -e SERVICE=writer … provision            # or: docker run … provision writer
#   docker run --rm … provision provision salesforce test-connection
#
# The service is chosen by $SERVICE or by the first argument: ingestor | mapper | writer | audit;
# `provision …` runs the CLI; `graph-sim …` / `salesforce-sim …` run a simulator (sandbox only).

ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS install
ENV CI=true PNPM_HOME=/pnpm
# The pnpm version of package.json's packageManager (and of ./pnpmw).
RUN npm install --global --no-audit --no-fund pnpm@10.34.9
WORKDIR /app
# Dependencies first, from the lockfile only, so a source change does not download them again.
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm fetch --prod
COPY . .
# Production dependencies of what the image runs and of the workspace packages they use, nothing
# else: --filter-prod follows only `dependencies`, so the test kit, vitest, testcontainers and the
# type checker stay out.
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --offline --frozen-lockfile --prod \
      --filter-prod "@provision/ingestor..." --filter-prod "@provision/mapper..." \
      --filter-prod "@provision/writer..." --filter-prod "@provision/audit..." \
      --filter-prod "@provision/cli..." \
      --filter-prod "@provision/graph-sim..." --filter-prod "@provision/salesforce-sim..."

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    KAFKAJS_NO_PARTITIONER_WARNING=1 \
    HTTP_PORT=8080
WORKDIR /app
COPY --from=install --chown=root:root /app /app
COPY --chmod=755 <<'SH' /usr/local/bin/provision-entrypoint
#!/bin/sh
set -e
run_service() {
  case "$1" in
    # A small young generation and a bounded old one keep each service under 150 MB of RSS (bench/).
    ingestor|mapper|writer|audit)
      # The OpenTelemetry preload does nothing unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
      exec node --max-semi-space-size=1 "--max-old-space-size=${NODE_MAX_OLD_SPACE_MB:-96}" \
        --import /app/packages/telemetry/src/preload.ts "/app/services/$1/src/main.ts" ;;
    *) echo "provision: unknown service '$1' (expected ingestor, mapper, writer or audit)" >&2; exit 2 ;;
  esac
}
if [ "$#" -gt 0 ]; then
  case "$1" in
    ingestor|mapper|writer|audit) run_service "$1" ;;
    provision) shift; exec node /app/packages/cli/src/main.ts "$@" ;;
    graph-sim|salesforce-sim) sim="$1"; shift; exec node "/app/packages/$sim/src/cli.ts" "$@" ;;
    *) exec "$@" ;;
  esac
fi
if [ -z "${SERVICE:-}" ]; then
  echo "provision: set SERVICE (ingestor, mapper, writer or audit) or pass it as the command" >&2
  exit 2
fi
run_service "$SERVICE"
SH
# Two malloc arenas instead of one per thread: the same work in far less resident memory.
ENV MALLOC_ARENA_MAX=2
# The node user of the official image (uid 1000); the sources are root-owned and read-only to it.
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/local/bin/provision-entrypoint"]
