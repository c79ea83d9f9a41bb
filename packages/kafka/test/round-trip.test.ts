import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { afterEach, expect } from 'vitest';
import { type HandlerContext, type KafkaClient, outcome } from '../src/index.ts';
import { client, FAST_GROUP, TestEvent, TYPE } from './support.ts';

let kafka: KafkaClient | undefined;
afterEach(async () => {
  await kafka?.close();
});

test('events produced and consumed keep their order per key, with CloudEvents and traceparent headers', async ({
  kafka: fixture,
}) => {
  kafka = client(fixture.brokers);
  const topic = fixture.topicName('round-trip');
  expect(await kafka.ensureTopics([{ topic, partitions: 3 }])).toEqual({ created: [topic], mismatched: [] });
  expect(await kafka.ensureTopics([{ topic, partitions: 3 }])).toEqual({ created: [], mismatched: [] });
  expect(await kafka.partitionCount(topic)).toBe(3);

  const producer = await kafka.producer({ source: '/provision/test' });
  const users = Array.from({ length: 8 }, (_, i) => `user-${i}`);
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  for (let seq = 0; seq < 10; seq++) {
    await producer.send(
      users.map((userId) => ({ topic, key: userId, type: TYPE, value: { userId, seq }, traceparent })),
    );
  }

  const seen = new Map<string, number[]>();
  const contexts: HandlerContext[] = [];
  const consumer = kafka.consumer({
    ...FAST_GROUP,
    groupId: fixture.groupId(),
    topics: [topic],
    schema: TestEvent,
    handler: async (event, ctx) => {
      seen.set(event.userId, [...(seen.get(event.userId) ?? []), event.seq]);
      contexts.push(ctx);
      return outcome.done();
    },
  });
  await consumer.start();
  expect(consumer.state()).toBe('ready');
  await waitFor(() => contexts.length === 80, { timeout: 20_000, message: '80 events handled' });

  for (const userId of users) expect(seen.get(userId)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // One user, one partition.
  for (const userId of users)
    expect(new Set(contexts.filter((c) => c.key === userId).map((c) => c.partition)).size).toBe(1);
  const ctx = contexts[0]!;
  expect(ctx.headers).toMatchObject({
    ce_specversion: '1.0',
    ce_type: TYPE,
    ce_source: '/provision/test',
    'content-type': 'application/json',
    traceparent,
  });
  expect(ctx.headers['ce_id']).toBeTruthy();
  expect(Number.isNaN(Date.parse(ctx.headers['ce_time']!))).toBe(false);
  expect(ctx.traceparent).toBe(traceparent);
  expect(ctx.attempt).toBe(1);

  // Offsets are committed after the work: the group's committed offsets reach the end of each partition.
  await waitFor(async () => (await consumer.lag()).total === 0, { message: 'lag 0' });
  await consumer.stop();
  expect(consumer.state()).toBe('stopped');
});
