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
export { startTracing, type Tracing, type TracingSettings } from './tracing.ts';
