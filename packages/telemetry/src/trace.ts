import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  type Link,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

// Traces travel between services as W3C `traceparent` strings (the header every message carries),
// parsed and formatted here rather than through the global propagator: without the SDK there is
// none, and the string must still pass through unchanged.
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The span context a W3C `traceparent` names (remote), or undefined when absent or malformed. */
export function spanContextOf(traceparent: string | undefined): SpanContext | undefined {
  const match = traceparent === undefined ? null : TRACEPARENT.exec(traceparent);
  if (!match) return undefined;
  const spanContext: SpanContext = {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: Number.parseInt(match[3]!, 16),
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** The `traceparent` of a span (or of the active span): undefined when there is none (tracing off, no parent). */
export function traceparentOf(span: Span | undefined = trace.getActiveSpan()): string | undefined {
  const sc = span?.spanContext();
  if (!sc || !isSpanContextValid(sc)) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** How a span starts: its kind, its parent (a `traceparent`; default the active span), links to other traces. */
export interface SpanStart {
  kind?: 'internal' | 'server' | 'client' | 'producer' | 'consumer';
  /** The span continues this trace; undefined or malformed: the active span's, else a new trace. */
  parent?: string | undefined;
  /** Without a (valid) `parent`, start a new trace rather than continue the active span's. */
  newTrace?: boolean;
  /** Other traces the work also belongs to (a batch's other messages); malformed ones are skipped. */
  links?: readonly (string | undefined)[];
  attributes?: Attributes;
}

const KINDS = {
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
} as const;

/** The context a span with this parent starts in. */
function parentContext(start: SpanStart): Context {
  const remote = spanContextOf(start.parent);
  if (remote) return trace.setSpanContext(ROOT_CONTEXT, remote);
  return start.newTrace ? ROOT_CONTEXT : context.active();
}

/**
 * Runs `work` inside a new span (active while it runs, so spans started within are its
 * children), ends it, and marks it failed when `work` throws. Without the OpenTelemetry SDK the
 * span is a no-op and this costs a function call.
 */
export async function inSpan<T>(name: string, start: SpanStart, work: (span: Span) => Promise<T>): Promise<T> {
  const parent = parentContext(start);
  const links: Link[] = [];
  for (const tp of start.links ?? []) {
    const linked = spanContextOf(tp);
    if (linked) links.push({ context: linked });
  }
  const span = trace
    .getTracer('@provision/telemetry')
    .startSpan(
      name,
      { kind: KINDS[start.kind ?? 'internal'], links, ...(start.attributes ? { attributes: start.attributes } : {}) },
      parent,
    );
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    failed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Records an error on a span and marks it failed. */
export function failed(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

export type { Span } from '@opentelemetry/api';
