import { sourceTopicOf } from '@provision/events';
import type { MessageMeta, RawMessage } from '@provision/kafka';
import type { DeadLetterInput } from '../domain/ports.ts';

/**
 * What the log records of a dead letter read by the audit's raw consumer: its bytes and the
 * driver's `dlq_*` headers as they are (a dead letter is often a message that is not JSON or has
 * no key: exactly what a decoding consumer refuses). `prefix` is stripped from topic names.
 */
export function deadLetterInput(message: RawMessage, meta: MessageMeta, prefix: string): DeadLetterInput {
  const unprefixed = (t: string) => (prefix !== '' && t.startsWith(prefix) ? t.slice(prefix.length) : t);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(meta.headers)) headers[clean(name)] = clean(value);
  const payload = payloadOf(message.value);
  return {
    topic: unprefixed(meta.topic),
    sourceTopic: unprefixed(headers.dlq_source_topic ?? sourceTopicOf(meta.topic)),
    partition: meta.partition,
    offset: meta.offset,
    key: message.key ? clean(message.key.toString('utf8')) : null,
    reason: headers.dlq_reason ?? 'no reason given',
    errorCode: headers.dlq_reason_code ?? null,
    headers,
    payload: payload.text,
    payloadEncoding: payload.encoding,
  };
}

// PostgreSQL text cannot hold NUL, and a dead letter can be any bytes.
function clean(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The value as text when it is UTF-8 without NUL, else as base64, so no byte is lost. */
export function payloadOf(value: Buffer | null): { text: string | null; encoding: 'utf8' | 'base64' } {
  if (value === null) return { text: null, encoding: 'utf8' };
  try {
    const text = utf8.decode(value);
    if (!text.includes('\u0000')) return { text, encoding: 'utf8' };
  } catch {
    // not UTF-8
  }
  return { text: value.toString('base64'), encoding: 'base64' };
}
