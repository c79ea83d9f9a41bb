export { createLogger, type Logger, type LoggerSettings } from './logger.ts';
export {
  type Counter,
  counter,
  createMetrics,
  type Gauge,
  gauge,
  type Histogram,
  histogram,
  type Registry,
} from './metrics.ts';
export { createOpsServer, type OpsOptions, registerOpsRoutes } from './ops-server.ts';
export {
  type ComposedService,
  type ProcessHooks,
  type RuntimeConfig,
  runService,
  type Service,
  type ServiceDefinition,
  type ServiceRuntime,
} from './run-service.ts';
export { onShutdown } from './shutdown.ts';
export { failed, inSpan, type Span, type SpanStart, spanContextOf, traceparentOf } from './trace.ts';
export { shutdownTracing, startTracing, type Tracing, type TracingSettings } from './tracing.ts';
