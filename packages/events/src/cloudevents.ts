/**
 * CloudEvents Kafka protocol binding, binary mode: attributes travel as `ce_*` headers and the
 * data as the message value (application/json).
 */
export const CLOUDEVENTS_SPECVERSION = '1.0';

export interface CloudEventAttributes {
  id: string;
  type: string;
  source: string;
  time: string;
  subject?: string;
}

/** The headers Provision puts on every message: CloudEvents binary mode plus W3C `traceparent`. */
export function cloudEventHeaders(attrs: CloudEventAttributes, traceparent: string): Record<string, string> {
  const headers: Record<string, string> = {
    ce_specversion: CLOUDEVENTS_SPECVERSION,
    ce_id: attrs.id,
    ce_type: attrs.type,
    ce_source: attrs.source,
    ce_time: attrs.time,
    'content-type': 'application/json',
    traceparent,
  };
  if (attrs.subject !== undefined) headers.ce_subject = attrs.subject;
  return headers;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Parses a W3C `traceparent`; undefined when absent or malformed (all-zero ids are invalid). */
export function parseTraceparent(
  value: string | undefined,
): { traceId: string; spanId: string; flags: string } | undefined {
  const m = value === undefined ? null : TRACEPARENT.exec(value);
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return undefined;
  return { traceId: m[1]!, spanId: m[2]!, flags: m[3]! };
}

/** A child `traceparent`: same trace, a new span id from the given 8 random bytes (hex). */
export function childTraceparent(parent: string | undefined, randomHex: (bytes: number) => string): string {
  const p = parseTraceparent(parent);
  const traceId = p?.traceId ?? randomHex(16);
  return `00-${traceId}-${randomHex(8)}-${p?.flags ?? '01'}`;
}
