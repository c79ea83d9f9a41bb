import type { ErrorCode } from '@provision/errors';
import type { KafkaMessage } from 'kafkajs';
import { decodeHeaders } from '../headers.ts';
import type { EventSchema, MessageMeta } from '../types.ts';

/** A message that decoded and matched its schema, or the reason it did not. */
export type Decoded<T> =
  | { ok: true; event: T; meta: MessageMeta }
  | {
      ok: false;
      code: Extract<ErrorCode, 'PRV_EVENT_UNDECODABLE' | 'PRV_EVENT_INVALID'>;
      reason: string;
      meta: MessageMeta;
    };

const MAX_REASON = 2_000;

function schemaProblem(error: unknown): string {
  // zod errors carry `issues`; anything else is described by its message.
  const issues = (error as { issues?: { path?: PropertyKey[]; message?: string }[] } | undefined)?.issues;
  if (Array.isArray(issues) && issues.length > 0) {
    return issues
      .map((i) => `${(i.path ?? []).map(String).join('.') || '(root)'}: ${i.message ?? 'invalid'}`)
      .join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}

/** Decodes key, headers and JSON value, then validates the value with the topic's schema. */
export function decodeMessage<T>(
  topic: string,
  partition: number,
  message: KafkaMessage,
  schema: EventSchema<T>,
): Decoded<T> {
  const headers = decodeHeaders(message.headers);
  const meta: MessageMeta = {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? '',
    timestamp: Number(message.timestamp),
    headers,
    traceparent: headers['traceparent'],
  };
  const fail = (code: 'PRV_EVENT_UNDECODABLE' | 'PRV_EVENT_INVALID', reason: string): Decoded<T> => ({
    ok: false,
    code,
    reason: reason.slice(0, MAX_REASON),
    meta,
  });
  if (meta.key === '') return fail('PRV_EVENT_UNDECODABLE', 'message has no key');
  if (message.value === null) return fail('PRV_EVENT_UNDECODABLE', 'message has no value');
  let json: unknown;
  try {
    json = JSON.parse(message.value.toString('utf8'));
  } catch (error) {
    return fail('PRV_EVENT_UNDECODABLE', `value is not JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    return fail('PRV_EVENT_INVALID', `value does not match the ${topic} schema: ${schemaProblem(parsed.error)}`);
  return { ok: true, event: parsed.data, meta };
}
