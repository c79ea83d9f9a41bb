import { randomBytes, randomUUID } from 'node:crypto';
import type { Headers } from './types.ts';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** True for a well-formed W3C `traceparent` (version 00, ids not all zero). */
export function isTraceparent(value: string | undefined): value is string {
  const match = value === undefined ? null : TRACEPARENT.exec(value);
  return match !== null && !/^0+$/.test(match[1]!) && !/^0+$/.test(match[2]!);
}

/** A new sampled root `traceparent`. */
export function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

/** CloudEvents attributes of one message (Kafka protocol binding, binary mode). */
export interface CloudEventAttributes {
  type: string;
  source: string;
  /** Defaults to a random UUID. */
  id?: string;
  /** Defaults to now (ISO 8601). */
  time?: string;
  subject?: string;
}

/**
 * The headers of a produced message: `ce_*` (spec 1.0), `content-type: application/json`, and
 * `traceparent` (the given one when well formed, else a new root). Extra headers come first so
 * that they cannot override the CloudEvents attributes.
 */
export function messageHeaders(
  attributes: CloudEventAttributes,
  traceparent: string | undefined,
  extra: Readonly<Record<string, string>> = {},
  now: () => Date = () => new Date(),
): Record<string, string> {
  const headers: Record<string, string> = {
    ...extra,
    ce_specversion: '1.0',
    ce_id: attributes.id ?? randomUUID(),
    ce_type: attributes.type,
    ce_source: attributes.source,
    ce_time: attributes.time ?? now().toISOString(),
    'content-type': 'application/json',
    traceparent: isTraceparent(traceparent) ? traceparent : newTraceparent(),
  };
  if (attributes.subject !== undefined) headers['ce_subject'] = attributes.subject;
  return headers;
}

type RawHeaderValue = Buffer | string | (Buffer | string | undefined)[] | undefined;

/** Kafka header bytes to strings (UTF-8); a repeated header keeps its last value. */
export function decodeHeaders(raw: Readonly<Record<string, RawHeaderValue>> | undefined): Headers {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    const last = Array.isArray(value) ? value.at(-1) : value;
    if (last !== undefined) headers[name] = last.toString();
  }
  return headers;
}
