import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { isTraceparent } from '../headers.ts';

// The driver's spans, through the OpenTelemetry API: without an SDK every span is a no-op that
// carries its parent's context, so a message's `traceparent` passes on unchanged and tracing
// costs nothing. The trace travels as the W3C header itself, parsed and formatted here (the global
// propagator exists only with the SDK).

const tracer = () => trace.getTracer('@provision/kafka');

/** The context whose parent is the span a `traceparent` names, or undefined when it is not one. */
export function remoteParent(traceparent: string | undefined): Context | undefined {
  if (!isTraceparent(traceparent)) return undefined;
  const [, traceId, spanId, flags] = traceparent.split('-');
  const sc: SpanContext = {
    traceId: traceId!,
    spanId: spanId!,
    traceFlags: Number.parseInt(flags!, 16),
    isRemote: true,
  };
  return trace.setSpanContext(ROOT_CONTEXT, sc);
}

/** A span's `traceparent`, or undefined when it has no valid context (no SDK and no parent). */
export function traceparentOf(span: Span): string | undefined {
  const sc = span.spanContext();
  if (!isSpanContextValid(sc)) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

const messaging = (topic: string, extra: Attributes = {}): Attributes => ({
  'messaging.system': 'kafka',
  'messaging.destination.name': topic,
  ...extra,
});

/**
 * A `send <topic>` span for the messages of one send that share a parent: the given `traceparent`
 * (the consumed message the events follow from) or, without one, the active span.
 */
export function startSendSpan(topic: string, traceparent: string | undefined, keys: readonly string[]): Span {
  const parent = remoteParent(traceparent) ?? context.active();
  const attributes = messaging(topic, {
    'messaging.operation.type': 'send',
    ...(keys.length === 1
      ? { 'messaging.kafka.message.key': keys[0]! }
      : { 'messaging.batch.message_count': keys.length }),
  });
  return tracer().startSpan(`send ${topic}`, { kind: SpanKind.PRODUCER, attributes }, parent);
}

/** One consumed message's `process <topic>` span, continuing the trace of its `traceparent` header. */
export function startProcessSpan(meta: {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  traceparent: string | undefined;
}): Span {
  const parent = remoteParent(meta.traceparent) ?? ROOT_CONTEXT;
  const attributes = messaging(meta.topic, {
    'messaging.operation.type': 'process',
    'messaging.destination.partition.id': String(meta.partition),
    'messaging.kafka.offset': meta.offset,
    'messaging.kafka.message.key': meta.key,
  });
  return tracer().startSpan(`process ${meta.topic}`, { kind: SpanKind.CONSUMER, attributes }, parent);
}

/**
 * The span of one batch handler call: a child of the first message's process span, linked to the
 * others' (and they to it), so the shared work — one Salesforce call, one transaction — sits in
 * the first message's trace and is one click away from every other.
 */
export function startBatchSpan(topic: string, processSpans: readonly Span[]): Span {
  const [first, ...others] = processSpans;
  const parent = first ? trace.setSpan(ROOT_CONTEXT, first) : ROOT_CONTEXT;
  const links = others.map((s) => ({ context: s.spanContext() }));
  const attributes = messaging(topic, {
    'messaging.operation.type': 'process',
    'messaging.batch.message_count': processSpans.length,
  });
  const batch = tracer().startSpan(`handle ${topic}`, { kind: SpanKind.INTERNAL, attributes, links }, parent);
  for (const s of others) s.addLink({ context: batch.spanContext() });
  return batch;
}

/** Runs `work` with `span` active, so the spans it starts (and the messages it sends) are its children. */
export function withSpan<T>(span: Span, work: () => Promise<T>): Promise<T> {
  return context.with(trace.setSpan(ROOT_CONTEXT, span), work);
}

/** Marks how a message's processing ended and ends its span. */
export function endProcessSpan(span: Span, status: string, reason?: string): void {
  span.setAttribute('provision.outcome', status);
  if (status === 'retry' || status === 'dead-letter')
    span.setStatus({ code: SpanStatusCode.ERROR, message: reason ?? status });
  span.end();
}

/** Marks a span failed with the error and ends it. */
export function endFailed(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  span.end();
}
