import type { ErrorCode } from '@provision/errors';
import type { KafkaMessage } from 'kafkajs';
import { decodeHeaders } from '../headers.ts';
import type { EventProducer } from '../producer.ts';
import { dlqTopicFor } from '../topics.ts';

/** Why a message was dead-lettered, carried in `dlq_*` headers beside its original headers. */
export interface DeadLetterReason {
  code: ErrorCode;
  reason: string;
  attempts: number;
  groupId: string;
}

/** The headers a dead letter carries: the original ones plus `dlq_*` facts about its failure. */
export function deadLetterHeaders(
  topic: string,
  partition: number,
  message: KafkaMessage,
  why: DeadLetterReason,
  now: Date = new Date(),
): Record<string, string> {
  return {
    ...decodeHeaders(message.headers),
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
 * Writes a message to its topic's dead-letter topic with its original key and value bytes, so it
 * can be inspected and replayed as it was.
 */
export async function sendToDeadLetter(
  producer: EventProducer,
  topic: string,
  partition: number,
  message: KafkaMessage,
  why: DeadLetterReason,
): Promise<void> {
  await producer.sendRaw(dlqTopicFor(topic), [
    { key: message.key, value: message.value, headers: deadLetterHeaders(topic, partition, message, why) },
  ]);
}
