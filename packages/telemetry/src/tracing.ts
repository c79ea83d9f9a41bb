import type { SpanExporter } from '@opentelemetry/sdk-trace';

export interface TracingSettings {
  service: string;
  /** OTLP/HTTP endpoint; without it (and without an exporter) tracing stays off and costs nothing. */
  otlpEndpoint?: string | undefined;
  /** For tests: spans go here instead of OTLP (e.g. an InMemorySpanExporter). */
  exporter?: SpanExporter;
}

export interface Tracing {
  readonly enabled: boolean;
  /** Exports the spans still buffered and stops the SDK; later calls return the first call's promise. */
  shutdown(): Promise<void>;
}

// The running SDK, kept on the global object rather than in this module: the preload and the
// service are separate bundles in the image, each with its own copy of this module, and the
// service's graceful stop (`onShutdown`) must reach the SDK the preload started.
const RUNNING = Symbol.for('provision.telemetry.tracing');
type WithTracing = { [RUNNING]?: Tracing };

/**
 * Starts OpenTelemetry: spans are batched and exported over OTLP/HTTP (JSON) to
 * `<endpoint>/v1/traces`. No instrumentation patches a library: the Kafka driver, the webhook, the
 * Salesforce gateway and the audit store start their spans themselves (`inSpan`), and messages
 * carry the trace in their `traceparent` header, so one change is one trace across the services.
 * The SDK is imported lazily so a service without tracing never loads it (it costs tens of MB).
 * Run it before the service starts (`node --import @provision/telemetry/preload`).
 */
export async function startTracing(settings: TracingSettings): Promise<Tracing> {
  if (!settings.otlpEndpoint && !settings.exporter) return { enabled: false, shutdown: async () => {} };
  const [{ NodeSDK }, { SimpleSpanProcessor, BatchSpanProcessor }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/sdk-trace'),
  ]);
  let processor: InstanceType<typeof SimpleSpanProcessor> | InstanceType<typeof BatchSpanProcessor>;
  if (settings.exporter) {
    processor = new SimpleSpanProcessor({ exporter: settings.exporter });
  } else {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    const base = settings.otlpEndpoint!.replace(/\/+$/, '');
    processor = new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${base}/v1/traces` }) });
  }
  const sdk = new NodeSDK({ serviceName: settings.service, spanProcessors: [processor], instrumentations: [] });
  sdk.start();
  let stopping: Promise<void> | undefined;
  const tracing: Tracing = {
    enabled: true,
    shutdown: () => {
      stopping ??= sdk.shutdown();
      return stopping;
    },
  };
  (globalThis as WithTracing)[RUNNING] = tracing;
  return tracing;
}

/**
 * Exports the spans the running SDK still buffers and stops it (nothing when tracing is off).
 * `onShutdown` calls it once the service has stopped: the batch processor sends every few seconds,
 * and a process that exits on a signal would lose the last spans, those of its stop included.
 */
export async function shutdownTracing(): Promise<void> {
  await (globalThis as WithTracing)[RUNNING]?.shutdown();
}
