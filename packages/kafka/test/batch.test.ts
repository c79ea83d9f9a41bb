import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { afterEach, expect } from 'vitest';
import { deadLetterTopic, type KafkaClient, type Outcome, outcome } from '../src/index.ts';
import { client, FAST_GROUP, TestEvent, TYPE } from './support.ts';

let kafka: KafkaClient | undefined;
afterEach(async () => {
  await kafka?.close();
});

test('a batch handler gets chunks of one partition; only failed events are retried; poison is dead-lettered', async ({
  kafka: fixture,
}) => {
  kafka = client(fixture.brokers);
  const topic = fixture.topicName('batch');
  await kafka.ensureTopics([{ topic, partitions: 1 }]);
  const producer = await kafka.producer({ source: '/provision/test' });
  await producer.send(
    [1, 2, 3].map((seq) => ({ topic, key: `u${seq}`, type: TYPE, value: { userId: `u${seq}`, seq } })),
  );
  await fixture.produceRaw(topic, [{ key: 'bad', value: '{"userId":"bad"}' }]);
  await producer.send(
    [5, 6, 7, 8, 9, 10].map((seq) => ({ topic, key: `u${seq}`, type: TYPE, value: { userId: `u${seq}`, seq } })),
  );

  const calls: { seqs: number[]; attempt: number; offsets: string[] }[] = [];
  const groupId = fixture.groupId();
  const consumer = kafka.consumer({
    ...FAST_GROUP,
    groupId,
    topics: [topic],
    schema: TestEvent,
    batchSize: 4,
    retry: { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 50, jitter: 0 },
    batchHandler: async (events, ctx) => {
      calls.push({ seqs: events.map((e) => e.seq), attempt: ctx.attempt, offsets: ctx.messages.map((m) => m.offset) });
      return events.map((e): Outcome => {
        if (e.seq === 6 && ctx.attempt === 1) return outcome.retry('UNABLE_TO_LOCK_ROW');
        if (e.seq === 7) return outcome.skipped('no change');
        return outcome.done();
      });
    },
  });
  await consumer.start();
  await waitFor(async () => (await fixture.committedOffset(groupId, topic, 0)) === '10', { message: 'all committed' });

  const handled = calls.flatMap((c) => c.seqs);
  expect(calls.every((c) => c.seqs.length <= 4)).toBe(true);
  expect(handled.filter((s) => s === 6)).toHaveLength(2);
  expect(calls).toContainEqual({ seqs: [6], attempt: 2, offsets: ['5'] });
  expect([...new Set(handled)].sort((x, y) => x - y)).toEqual([1, 2, 3, 5, 6, 7, 8, 9, 10]);
  const [dead] = await fixture.waitForMessages(deadLetterTopic(topic), 1);
  expect(dead).toMatchObject({ key: 'bad', headers: { dlq_reason_code: 'PRV_EVENT_INVALID', dlq_source_offset: '3' } });
});
