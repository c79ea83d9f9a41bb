import { randomBytes } from 'node:crypto';
import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { afterEach, expect } from 'vitest';
import { deadLetterTopic, type HandlerContext, type KafkaClient, outcome, type RawMessage } from '../src/index.ts';
import { client, FAST_GROUP } from './support.ts';

let kafka: KafkaClient | undefined;
afterEach(async () => {
  await kafka?.close();
});

test('a raw consumer hands every message as it was written: no key, not JSON, any bytes', async ({
  kafka: fixture,
}) => {
  kafka = client(fixture.brokers);
  const topic = fixture.topicName('raw');
  await kafka.ensureTopics([{ topic, partitions: 1 }]);
  const bytes = randomBytes(64);
  await fixture.produceRaw(topic, [
    { key: null, value: '{not json', headers: { dlq_reason_code: 'PRV_EVENT_UNDECODABLE' } },
    { key: 'u-1', value: bytes },
    { key: 'u-2', value: null },
  ]);

  const seen: { message: RawMessage; ctx: HandlerContext }[] = [];
  const groupId = fixture.groupId();
  const consumer = kafka.consumer({
    ...FAST_GROUP,
    groupId,
    topics: [topic],
    rawHandler: async (message, ctx) => {
      seen.push({ message, ctx });
      return outcome.done();
    },
  });
  await consumer.start();
  await waitFor(() => seen.length === 3, { message: 'three messages handled' });
  await waitFor(async () => (await fixture.committedOffset(groupId, topic, 0)) === '3', {
    message: 'offset 3 committed',
  });

  const [noKey, binary, noValue] = seen;
  expect(noKey!.message.key).toBeNull();
  expect(noKey!.message.value?.toString()).toBe('{not json');
  expect(noKey!.ctx).toMatchObject({ topic, partition: 0, offset: '0', key: '', attempt: 1 });
  expect(noKey!.ctx.headers).toEqual({ dlq_reason_code: 'PRV_EVENT_UNDECODABLE' });
  expect(binary!.message.key?.toString()).toBe('u-1');
  expect(Buffer.compare(binary!.message.value!, bytes)).toBe(0);
  expect(noValue!.message).toEqual({ key: Buffer.from('u-2'), value: null });
});

test('a raw handler that fails is retried, and a message on a dead-letter topic is never dead-lettered again', async ({
  kafka: fixture,
}) => {
  kafka = client(fixture.brokers);
  const source = fixture.topicName('source');
  const topic = deadLetterTopic(source);
  await kafka.ensureTopics([{ topic, partitions: 1 }]);
  await fixture.produceRaw(topic, [
    { key: 'flaky', value: 'a' },
    { key: 'refused', value: 'b' },
    { key: 'good', value: 'c' },
  ]);

  const attempts = new Map<string, number>();
  const groupId = fixture.groupId();
  const consumer = kafka.consumer({
    ...FAST_GROUP,
    groupId,
    topics: [topic],
    retry: { maxAttempts: 5, initialDelayMs: 20, maxDelayMs: 50, jitter: 0 },
    rawHandler: async (_message, ctx) => {
      attempts.set(ctx.key, ctx.attempt);
      if (ctx.key === 'flaky' && ctx.attempt < 3) return outcome.retry('the log is down');
      if (ctx.key === 'refused') return outcome.deadLetter('cannot be recorded');
      return outcome.done();
    },
  });
  await consumer.start();
  await waitFor(async () => (await fixture.committedOffset(groupId, topic, 0)) === '3', {
    message: 'offset 3 committed',
  });

  expect(Object.fromEntries(attempts)).toEqual({ flaky: 3, refused: 1, good: 1 });
  expect(await kafka.partitionCount(deadLetterTopic(topic))).toBeUndefined();
});
