import type { ErrorCode } from '@provision/errors';
import { deadLetterTopic } from '@provision/events/topic-names';
import type { KafkaMessage } from 'kafkajs';
import { decodeHeaders } from '../headers.ts';
import { isTooLargeError } from '../internal/errors.ts';
import type { EventProducer } from '../producer.ts';

/** Why a message was dead-lettered, carried in `dlq_*` headers beside its original headers. */
export interface DeadLetterReason {
  code: ErrorCode;
  reason: string;
  attempts: number;
  groupId: string;
}

/** One message to write to a dead-letter topic. */
export interface DeadLetter {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** What a reduced dead letter keeps: the start of the value and key, the first original headers. */
export const REDUCED_DEAD_LETTER = { valueBytes: 64 * 1024, keyBytes: 1024, headerBytes: 16 * 1024 } as const;

/** The `dlq_*` headers: facts about the failure, set beside the message's original headers. */
function dlqHeaders(
  topic: string,
  partition: number,
  message: KafkaMessage,
  why: DeadLetterReason,
  now: Date,
): Record<string, string> {
  return {
    dlq_reason_code: why.code,
    dlq_reason: why.reason.slice(0, 2_000),
    dlq_source_topic: topic,
    dlq_source_partition: String(partition),
    dlq_source_offset: message.offset,
    dlq_consumer_group: why.groupId,
    dlq_attempts: String(why.attempts),
    dlq_time: now.toISOString(),
  };
}

/**
 * The dead letters to try for a message, in order, each smaller than the one before: the message
 * as it was (original key, value and headers, plus `dlq_*`); then a reduced one that keeps the
 * start of the value (64 KiB) and key (1 KiB) and the original headers that fit in 16 KiB; then
 * one with only the `dlq_*` headers and the start of the key. A reduced letter says what it cut in `dlq_truncated` (`key`, `value`,
 * `headers`) and the original sizes in `dlq_original_key_bytes` and `dlq_original_value_bytes`.
 */
export function deadLetterCandidates(
  topic: string,
  partition: number,
  message: KafkaMessage,
  why: DeadLetterReason,
  now: Date = new Date(),
): DeadLetter[] {
  const original = decodeHeaders(message.headers);
  const dlq = dlqHeaders(topic, partition, message, why, now);
  const reduced = (limits: { valueBytes: number; keyBytes: number; headerBytes: number }): DeadLetter => {
    const key = cut(message.key, limits.keyBytes);
    const value = cut(message.value, limits.valueBytes);
    const headers = firstHeaders(original, limits.headerBytes);
    const truncated = [
      ...(key !== message.key ? ['key'] : []),
      ...(value !== message.value ? ['value'] : []),
      ...(headers.dropped ? ['headers'] : []),
    ];
    return {
      key,
      value,
      headers: {
        ...headers.kept,
        ...dlq,
        ...(truncated.length > 0 ? { dlq_truncated: truncated.join(',') } : {}),
        dlq_original_key_bytes: String(message.key?.length ?? 0),
        dlq_original_value_bytes: String(message.value?.length ?? 0),
      },
    };
  };
  return [
    { key: message.key, value: message.value, headers: { ...original, ...dlq } },
    reduced(REDUCED_DEAD_LETTER),
    reduced({ valueBytes: 0, keyBytes: REDUCED_DEAD_LETTER.keyBytes, headerBytes: 0 }),
  ];
}

/** The first `bytes` of `data`, not splitting a UTF-8 character; `data` itself when it fits. */
function cut(data: Buffer | null, bytes: number): Buffer | null {
  if (data === null || data.length <= bytes) return data;
  let end = bytes;
  // A continuation byte (10xxxxxx) at the cut: step back to the start of its character.
  for (let back = 0; back < 3 && end > 0 && (data[end]! & 0xc0) === 0x80; back++) end--;
  return Buffer.from(data.subarray(0, end));
}

/** The original headers, in order, while they fit in `bytes`. */
function firstHeaders(headers: Record<string, string>, bytes: number) {
  const kept: Record<string, string> = {};
  let used = 0;
  let dropped = false;
  for (const [name, value] of Object.entries(headers)) {
    const size = Buffer.byteLength(name) + Buffer.byteLength(value);
    if (used + size > bytes) {
      dropped = true;
      continue;
    }
    kept[name] = value;
    used += size;
  }
  return { kept, dropped };
}

/** What `sendToDeadLetter` wrote: what it had to cut (empty when the message went as it was). */
export interface DeadLetterSent {
  truncated: string[];
}

/**
 * Writes a message to its topic's dead-letter topic, compressed, with its original key and value
 * bytes, so it can be inspected and replayed as it was. A dead letter must always be publishable:
 * a message refused as too large (one over 1 MiB once unpacked arrives gzip-compressed and small,
 * and random bytes do not compress) goes as a reduced letter instead of blocking its partition
 * with retries for ever. Other failures (the cluster unreachable) are thrown, for the caller to retry.
 */
export async function sendToDeadLetter(
  producer: EventProducer,
  topic: string,
  partition: number,
  message: KafkaMessage,
  why: DeadLetterReason,
): Promise<DeadLetterSent> {
  const candidates = deadLetterCandidates(topic, partition, message, why);
  for (let i = 0; ; i++) {
    const letter = candidates[i]!;
    try {
      await producer.sendRaw(deadLetterTopic(topic), [letter], { compression: 'gzip' });
      return { truncated: letter.headers['dlq_truncated']?.split(',') ?? [] };
    } catch (error) {
      if (!isTooLargeError(error) || i === candidates.length - 1) throw error;
    }
  }
}
