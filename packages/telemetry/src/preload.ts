// Preloaded with `node --import @provision/telemetry/preload src/main.ts` so the SDK is running
// before the service starts. Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
import { startTracing } from './tracing.ts';

const tracing = await startTracing({
  service: process.env.OTEL_SERVICE_NAME ?? 'provision',
  otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
});
// A service stopped by a signal flushes in its graceful stop (`onShutdown` → `shutdownTracing`);
// this covers a program that simply runs out of work.
if (tracing.enabled) process.once('beforeExit', () => void tracing.shutdown());
