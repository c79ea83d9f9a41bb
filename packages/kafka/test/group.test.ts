import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { afterEach, expect } from 'vitest';
import { type ConsumerRunner, type KafkaClient, outcome } from '../src/index.ts';
import { client, FAST_GROUP, TestEvent, TYPE } from './support.ts';

let kafka: KafkaClient | undefined;
afterEach(async () => {
  await kafka?.close();
});

const partitionsOf = (runner: ConsumerRunner, topic: string) => [...(runner.assignment()[topic] ?? [])].sort();

test('two consumers in one group split the partitions, and one takes over when the other leaves', async ({
  kafka: fixture,
}) => {
  kafka = client(fixture.brokers);
  const topic = fixture.topicName('group');
  await kafka.ensureTopics([{ topic, partitions: 4 }]);
  const producer = await kafka.producer({ source: '/provision/test' });
  const users = Array.from({ length: 16 }, (_, i) => `user-${i}`);
  const sendRound = (seq: number) =>
    producer.send(users.map((userId) => ({ topic, key: userId, type: TYPE, value: { userId, seq } })));
  const groupId = fixture.groupId();
  type Handled = { userId: string; seq: number; partition: number };
  const handledBy: Record<'a' | 'b', Handled[]> = { a: [], b: [] };
  const member = (name: 'a' | 'b') =>
    kafka!.consumer({
      ...FAST_GROUP,
      groupId,
      topics: [topic],
      schema: TestEvent,
      handler: async (event, ctx) => {
        handledBy[name].push({ ...event, partition: ctx.partition });
        return outcome.done();
      },
    });

  const a = member('a');
  await a.start();
  const b = member('b');
  await b.start();
  await waitFor(() => partitionsOf(a, topic).length === 2 && partitionsOf(b, topic).length === 2, {
    timeout: 20_000,
    message: 'two partitions each',
  });
  expect([...partitionsOf(a, topic), ...partitionsOf(b, topic)].sort()).toEqual([0, 1, 2, 3]);

  await sendRound(1);
  await waitFor(() => handledBy.a.length + handledBy.b.length === 16, { message: 'round 1 handled' });
  expect(handledBy.a.length).toBeGreaterThan(0);
  expect(handledBy.b.length).toBeGreaterThan(0);
  expect(new Set(handledBy.a.map((h) => h.partition))).toEqual(new Set(partitionsOf(a, topic)));
  expect(new Set(handledBy.b.map((h) => h.partition))).toEqual(new Set(partitionsOf(b, topic)));

  // b leaves (graceful stop: commit, leave the group); a is given all four partitions.
  const bUsers = new Set(handledBy.b.map((h) => h.userId));
  await b.stop();
  expect(b.isReady()).toBe(false);
  await waitFor(() => partitionsOf(a, topic).length === 4, { timeout: 20_000, message: 'a holds all partitions' });
  await sendRound(2);
  await waitFor(() => handledBy.a.filter((h) => h.seq === 2).length === 16, { message: 'round 2 handled by a' });
  // Round 1 was committed by b before it left, so a does not see b's round-1 events again.
  expect(handledBy.a.filter((h) => h.seq === 1 && bUsers.has(h.userId))).toEqual([]);
  expect(a.isReady()).toBe(true);
});

test('stop() lets the message in hand finish, commits it, and leaves', async ({ kafka: fixture }) => {
  kafka = client(fixture.brokers);
  const topic = fixture.topicName('stop');
  await kafka.ensureTopics([{ topic, partitions: 1 }]);
  const producer = await kafka.producer({ source: '/provision/test' });
  await producer.send([1, 2, 3].map((seq) => ({ topic, key: 'u1', type: TYPE, value: { userId: 'u1', seq } })));
  const groupId = fixture.groupId();
  let release: () => void = () => undefined;
  const inHand = new Promise<void>((resolve) => {
    release = resolve;
  });
  const seen: number[] = [];
  let aborted = false;
  const consumer = kafka.consumer({
    ...FAST_GROUP,
    groupId,
    topics: [topic],
    schema: TestEvent,
    handler: async (event, ctx) => {
      seen.push(event.seq);
      if (event.seq === 2) {
        await inHand;
        aborted = ctx.signal.aborted;
      }
      return outcome.done();
    },
  });
  await consumer.start();
  await waitFor(() => seen.includes(2));
  const stopping = consumer.stop();
  expect(consumer.state()).toBe('stopping');
  release();
  await stopping;
  expect(aborted).toBe(true); // the handler was told the consumer is stopping
  expect(seen).toEqual([1, 2]); // 3 was not started
  expect(await fixture.committedOffset(groupId, topic, 0)).toBe('2');
});
