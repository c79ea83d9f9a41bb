#!/bin/sh
# The Provision image's entrypoint: runs one of the bundled programs under /app.
#   ingestor | mapper | writer | audit   a service (or set $SERVICE and pass nothing)
#   provision …                          the admin CLI
#   graph-sim … | salesforce-sim …       a simulator (sandbox only)
#   anything else                        run as given
# The service flags are those of tools/containers/src/launch.ts (a test keeps them in step).
set -e
run_service() {
  case "$1" in
    ingestor|mapper|writer|audit)
      # The OpenTelemetry preload does nothing unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
      exec node --enable-source-maps --optimize-for-size --liftoff-only --max-semi-space-size=1 "--max-old-space-size=${NODE_MAX_OLD_SPACE_MB:-96}" \
        --import /app/packages/telemetry/src/preload.mjs "/app/services/$1/src/main.mjs" ;;
    *) echo "provision: unknown service '$1' (expected ingestor, mapper, writer or audit)" >&2; exit 2 ;;
  esac
}
if [ "$#" -gt 0 ]; then
  case "$1" in
    ingestor|mapper|writer|audit) run_service "$1" ;;
    provision) shift; exec node --enable-source-maps /app/packages/cli/src/main.mjs "$@" ;;
    graph-sim|salesforce-sim) sim="$1"; shift; exec node --enable-source-maps "/app/packages/$sim/src/cli.mjs" "$@" ;;
    *) exec "$@" ;;
  esac
fi
if [ -z "${SERVICE:-}" ]; then
  echo "provision: set SERVICE (ingestor, mapper, writer or audit) or pass it as the command" >&2
  exit 2
fi
run_service "$SERVICE"
