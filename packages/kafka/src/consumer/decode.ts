import type { ErrorCode } from '@provision/errors';
import type { KafkaMessage } from 'kafkajs';
import { decodeHeaders } from '../headers.ts';
import type { EventSchema, MessageMeta, RawMessage } from '../types.ts';

/** A message that decoded and matched its schema, or the reason it did not. */
export type Decoded<T> =
  | { ok: true; event: T; meta: MessageMeta }
  | {
      ok: false;
      code: DecodeFailure;
      reason: string;
      meta: MessageMeta;
    };

type DecodeFailure = Extract<
  ErrorCode,
  'PRV_EVENT_UNDECODABLE' | 'PRV_EVENT_INVALID' | 'PRV_EVENT_KEY_MISMATCH' | 'PRV_EVENT_OVERSIZE'
>;

/**
 * Checks a valid event against its message key: undefined when the key is right, else what is
 * wrong. Every topic is keyed by the user the event is about, so a message whose key differs was
 * forged or mis-produced, and would be decided in another user's partition.
 */
export type KeyCheck<T> = (event: T, key: string) => string | undefined;

/** The default check: an event with a string `userId` must be keyed by it. */
export const userIdKeyCheck: KeyCheck<unknown> = (event, key) => {
  const userId = (event as { userId?: unknown } | null)?.userId;
  if (typeof userId !== 'string' || userId === key) return undefined;
  return `message key "${clip(key)}" is not the userId "${clip(userId)}" the event is about`;
};

/** What a decoded message must also satisfy. */
export interface DecodeChecks<T> {
  /** Largest key + value accepted, in bytes (default 1 MiB, the broker's default message size). */
  maxBytes?: number;
  /** Default `userIdKeyCheck`; `false` checks no key. */
  verifyKey?: KeyCheck<T> | false;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
const MAX_REASON = 2_000;

const clip = (text: string) => (text.length > 100 ? `${text.slice(0, 100)}…` : text);

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

/** Where a message came from, its key as text (empty when it has none) and its headers as strings. */
function messageMeta(topic: string, partition: number, message: KafkaMessage): MessageMeta {
  const headers = decodeHeaders(message.headers);
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? '',
    timestamp: Number(message.timestamp),
    headers,
    traceparent: headers['traceparent'],
  };
}

/** A message handed on as it is (raw mode): its key and value bytes, never refused. */
export function rawMessage(topic: string, partition: number, message: KafkaMessage): Decoded<RawMessage> {
  return { ok: true, event: { key: message.key, value: message.value }, meta: messageMeta(topic, partition, message) };
}

/** Decodes key, headers and JSON value, then validates the value with the topic's schema. */
export function decodeMessage<T>(
  topic: string,
  partition: number,
  message: KafkaMessage,
  schema: EventSchema<T>,
  checks: DecodeChecks<T> = {},
): Decoded<T> {
  const meta = messageMeta(topic, partition, message);
  const fail = (code: DecodeFailure, reason: string): Decoded<T> => ({
    ok: false,
    code,
    reason: reason.slice(0, MAX_REASON),
    meta,
  });
  if (meta.key === '') return fail('PRV_EVENT_UNDECODABLE', 'message has no key');
  if (message.value === null) return fail('PRV_EVENT_UNDECODABLE', 'message has no value');
  // Measured before parsing: a huge value must not cost the consumer its heap.
  const size = (message.key?.length ?? 0) + message.value.length;
  const maxBytes = checks.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (size > maxBytes)
    return fail('PRV_EVENT_OVERSIZE', `message is ${size} bytes, more than the ${maxBytes} accepted`);
  let json: unknown;
  try {
    json = JSON.parse(message.value.toString('utf8'));
  } catch (error) {
    return fail('PRV_EVENT_UNDECODABLE', `value is not JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    return fail('PRV_EVENT_INVALID', `value does not match the ${topic} schema: ${schemaProblem(parsed.error)}`);
  const verifyKey = checks.verifyKey ?? (userIdKeyCheck as KeyCheck<T>);
  const keyProblem = verifyKey === false ? undefined : verifyKey(parsed.data, meta.key);
  if (keyProblem !== undefined) return fail('PRV_EVENT_KEY_MISMATCH', keyProblem);
  return { ok: true, event: parsed.data, meta };
}
