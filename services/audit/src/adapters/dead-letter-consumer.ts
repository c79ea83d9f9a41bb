import { type KafkaSaslOptions, type KafkaTlsOptions, kafkajsSecurity } from '@provision/kafka';
import type { Logger } from '@provision/telemetry';
import { Kafka, logLevel } from 'kafkajs';
import type { DeadLetterInput } from '../ports.ts';

/** Reads dead-letter topics as raw bytes. */
export interface DeadLetterConsumer {
  start(handler: (letter: DeadLetterInput) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
  ready(): boolean;
}

/**
 * A dead letter is often a message that is not JSON or has no key: exactly what
 * `@provision/kafka`'s decoder refuses before a handler sees it (and on a dead-letter topic it
 * only logs and skips). So the audit reads its dead-letter topics with a plain kafkajs consumer:
 * bytes and the driver's `dlq_*` headers as they are. Offsets are committed by kafkajs only after
 * the handler returned; a handler that throws makes kafkajs restart and redeliver.
 */
export function createDeadLetterConsumer(options: {
  brokers: readonly string[];
  groupId: string;
  topics: readonly string[];
  /** Stripped from topic names stored in the log. */
  prefix: string;
  logger: Logger;
  /** TLS and SASL, as the service's other Kafka clients use them. */
  security?: { ssl?: KafkaTlsOptions; sasl?: KafkaSaslOptions };
}): DeadLetterConsumer {
  const log = options.logger.child({ component: 'dead-letters' });
  const kafka = new Kafka({
    clientId: 'provision-audit-dlq',
    brokers: [...options.brokers],
    ...kafkajsSecurity(options.security ?? {}),
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 200, retries: 8 },
  });
  const consumer = kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 1_000,
    retry: { initialRetryTime: 500, retries: 10, restartOnFailure: async () => true },
  });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  consumer.on(consumer.events.CRASH, (e) => {
    joined = false;
    log.error({ err: e.payload.error }, 'dead-letter consumer crashed');
  });
  const unprefixed = (t: string) =>
    options.prefix !== '' && t.startsWith(options.prefix) ? t.slice(options.prefix.length) : t;

  return {
    async start(handler) {
      await consumer.connect();
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
      const joinedOnce = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
      await consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(message.headers ?? {})) {
            const last = Array.isArray(value) ? value.at(-1) : value;
            if (last !== undefined) headers[clean(name)] = clean(last.toString());
          }
          const payload = payloadOf(message.value);
          await handler({
            topic: unprefixed(topic),
            sourceTopic: unprefixed(headers.dlq_source_topic ?? topic.replace(/\.dlq(\.v\d+)?$/, '$1')),
            partition,
            offset: message.offset,
            key: message.key ? clean(message.key.toString('utf8')) : null,
            reason: headers.dlq_reason ?? 'no reason given',
            errorCode: headers.dlq_reason_code ?? null,
            headers,
            payload: payload.text,
            payloadEncoding: payload.encoding,
          });
        },
      });
      await joinedOnce;
    },
    async stop() {
      joined = false;
      await consumer.disconnect();
    },
    ready: () => joined,
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
