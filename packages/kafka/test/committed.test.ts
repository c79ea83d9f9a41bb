import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { afterEach, expect } from 'vitest';
import { type KafkaClient, outcome } from '../src/index.ts';
import { client, FAST_GROUP, TestEvent, TYPE } from './support.ts';

let kafka: KafkaClient | undefined;
afterEach(async () => {
  await kafka?.close();
});

test('committedPartitions names the partitions a group consumed, and none for a group that never ran', async ({
  kafka: fixture,
}) => {
  kafka = client(fixture.brokers);
  const topic = fixture.topicName('committed');
  await kafka.ensureTopics([{ topic, partitions: 3 }]);
  const groupId = fixture.groupId();
  expect(await kafka.committedPartitions(groupId, topic)).toEqual(new Set());

  const producer = await kafka.producer({ source: '/provision/test' });
  // Explicit keys that land in partitions 0 and 2 only would depend on the partitioner; instead
  // find out where each message went and compare with what the group committed.
  await producer.send(
    ['a', 'b', 'c', 'd'].map((userId) => ({ topic, key: userId, type: TYPE, value: { userId, seq: 0 } })),
  );
  const partitions = new Set<number>();
  const consumer = kafka.consumer({
    ...FAST_GROUP,
    groupId,
    topics: [topic],
    schema: TestEvent,
    handler: async (_event, ctx) => {
      partitions.add(ctx.partition);
      return outcome.done();
    },
  });
  await consumer.start();
  await waitFor(
    async () => (await kafka!.committedPartitions(groupId, topic)).size === partitions.size && partitions.size > 0,
    {
      timeout: 20_000,
      message: 'offsets committed',
    },
  );
  await consumer.stop();
  expect(await kafka.committedPartitions(groupId, topic)).toEqual(partitions);
  expect(await kafka.committedPartitions(fixture.groupId(), topic)).toEqual(new Set());
});
