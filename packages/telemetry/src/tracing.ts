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
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry with the kafkajs instrumentation, which injects `traceparent` on send and
 * makes each consumer span a child of the producer's. Must run before kafkajs is imported — the
 * preload (`node --import @provision/telemetry/preload`) does that. The SDK is imported lazily so a
 * service without tracing never loads it (it costs tens of MB).
 */
export async function startTracing(settings: TracingSettings): Promise<Tracing> {
  if (!settings.otlpEndpoint && !settings.exporter) return { enabled: false, shutdown: async () => {} };
  const [{ NodeSDK }, { KafkaJsInstrumentation }, { SimpleSpanProcessor, BatchSpanProcessor }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-kafkajs'),
    import('@opentelemetry/sdk-trace'),
  ]);
  let processor: InstanceType<typeof SimpleSpanProcessor> | InstanceType<typeof BatchSpanProcessor>;
  if (settings.exporter) {
    processor = new SimpleSpanProcessor({ exporter: settings.exporter });
  } else {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    processor = new BatchSpanProcessor({
      exporter: new OTLPTraceExporter({ url: `${settings.otlpEndpoint}/v1/traces` }),
    });
  }
  const sdk = new NodeSDK({
    serviceName: settings.service,
    spanProcessors: [processor],
    instrumentations: [new KafkaJsInstrumentation()],
  });
  sdk.start();
  return { enabled: true, shutdown: () => sdk.shutdown() };
}
