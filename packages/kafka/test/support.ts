import { z } from 'zod';
import { createKafkaClient, type KafkaClient } from '../src/index.ts';

/** The event the tests send: which user, which step of that user's sequence. */
export const TestEvent = z.object({ userId: z.string(), seq: z.number().int() });
export type TestEvent = z.infer<typeof TestEvent>;

export const TYPE = 'com.provision.test.v1';

/** A client against the test broker; consumer settings keep groups quick to form and to notice a loss. */
export function client(brokers: string): KafkaClient {
  return createKafkaClient({ brokers, clientId: 'provision-kafka-test' });
}

/** Fast group settings for tests (the broker allows sessions from 1 s). */
export const FAST_GROUP = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, maxWaitTimeMs: 100 } as const;

export const event = (userId: string, seq: number) => ({ topic: '', key: userId, type: TYPE, value: { userId, seq } });
