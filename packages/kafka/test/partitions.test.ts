import { test } from '@provision/testkit/vitest';
import { afterEach, expect } from 'vitest';
import { type KafkaClient, partitionOf } from '../src/index.ts';
import { client, TYPE } from './support.ts';

let kafka: KafkaClient | undefined;
afterEach(async () => {
  await kafka?.close();
});

test('a key lands on the partition partitionOf computes, as the producer and the broker place it', async ({
  kafka: fixture,
}) => {
  kafka = client(fixture.brokers);
  const topic = fixture.topicName('by-key');
  await kafka.ensureTopics([{ topic, partitions: 6 }]);
  const producer = await kafka.producer({ source: '/provision/test' });
  const users = Array.from({ length: 24 }, (_, i) => `user-${i}`);
  await producer.send(users.map((userId) => ({ topic, key: userId, type: TYPE, value: { userId, seq: 0 } })));

  const received = await fixture.waitForMessages(topic, users.length);
  for (const m of received) expect(m.partition, m.key!).toBe(partitionOf(m.key!, 6));
  expect(new Set(received.map((m) => m.partition)).size).toBeGreaterThan(1);
});

test('an event sent to an explicit partition lands there whatever its key hashes to', async ({ kafka: fixture }) => {
  kafka = client(fixture.brokers);
  const topic = fixture.topicName('explicit');
  await kafka.ensureTopics([{ topic, partitions: 4 }]);
  const producer = await kafka.producer({ source: '/provision/test' });
  const key = 'sync:one-key-for-all';
  const deliveries = await producer.send(
    [0, 1, 2, 3].map((partition) => ({ topic, key, partition, type: TYPE, value: { partition } })),
  );

  expect(deliveries.map((d) => d.partition).sort()).toEqual([0, 1, 2, 3]);
  const received = await fixture.waitForMessages(topic, 4);
  expect(received.map((m) => [m.partition, m.key, JSON.parse(m.value!)])).toEqual(
    [0, 1, 2, 3].map((partition) => [partition, key, { partition }]),
  );
});
