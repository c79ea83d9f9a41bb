// Preloaded with `node --import @provision/telemetry/preload src/main.ts` so the SDK is running
// before the service starts. Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
import { unmapCallSites } from './call-sites.ts';

// Before anything loads pino: it keeps the `util.getCallSites` it finds (see call-sites.ts).
unmapCallSites();
const { startTracing } = await import('./tracing.ts');

// Named after the service whose main module runs (`services/<name>/src/main.ts`, or `.mjs` bundled)
// unless OTEL_SERVICE_NAME says otherwise.
const script = /services\/([a-z-]+)\/src\/main\.m?[jt]s$/.exec(process.argv[1] ?? '')?.[1];
const tracing = await startTracing({
  service: process.env.OTEL_SERVICE_NAME ?? script ?? 'provision',
  otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
});
// A service stopped by a signal flushes in its graceful stop (`onShutdown` → `shutdownTracing`);
// this covers a program that simply runs out of work.
if (tracing.enabled) process.once('beforeExit', () => void tracing.shutdown());
