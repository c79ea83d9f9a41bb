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
}): DeadLetterConsumer {
  const log = options.logger.child({ component: 'dead-letters' });
  const kafka = new Kafka({
    clientId: 'provision-audit-dlq',
    brokers: [...options.brokers],
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
            if (last !== undefined) headers[name] = last.toString();
          }
          await handler({
            topic: unprefixed(topic),
            sourceTopic: unprefixed(headers.dlq_source_topic ?? topic.replace(/\.dlq(\.v\d+)?$/, '$1')),
            partition,
            offset: message.offset,
            key: message.key?.toString('utf8') ?? null,
            reason: headers.dlq_reason ?? 'no reason given',
            errorCode: headers.dlq_reason_code ?? null,
            headers,
            payload: message.value?.toString('utf8') ?? null,
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
