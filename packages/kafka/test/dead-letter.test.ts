import { randomBytes } from 'node:crypto';
import { ProvisionError } from '@provision/errors';
import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { afterEach, expect } from 'vitest';
import { deadLetterTopic, type KafkaClient, outcome } from '../src/index.ts';
import { client, FAST_GROUP, TestEvent, TYPE } from './support.ts';

let kafka: KafkaClient | undefined;
afterEach(async () => {
  await kafka?.close();
});

const FAST_RETRY = { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 50, jitter: 0 } as const;

test('poison messages go to the dead-letter topic with their reason and the partition moves on', async ({
  kafka: fixture,
}) => {
  kafka = client(fixture.brokers);
  const topic = fixture.topicName('orders');
  await kafka.ensureTopics([{ topic, partitions: 1 }]);
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  await fixture.produceRaw(topic, [
    { key: 'u-json', value: '{not json', headers: { traceparent, ce_id: 'c-1' } },
    { key: 'u-schema', value: JSON.stringify({ userId: 'u-schema', seq: 'one' }) },
    { key: null, value: JSON.stringify({ userId: 'u-nokey', seq: 1 }) },
  ]);
  const producer = await kafka.producer({ source: '/provision/test' });
  const send = (userId: string, seq: number) =>
    producer.send([{ topic, key: userId, type: TYPE, value: { userId, seq } }]);
  await send('u-fatal', 1); // the handler throws a non-retriable error
  await send('u-flaky', 1); // the handler keeps failing transiently
  await send('u-good', 1);

  const attempts = new Map<string, number>();
  const handled: string[] = [];
  const groupId = fixture.groupId();
  const consumer = kafka.consumer({
    ...FAST_GROUP,
    groupId,
    topics: [topic],
    schema: TestEvent,
    retry: FAST_RETRY,
    handler: async (event, ctx) => {
      attempts.set(event.userId, ctx.attempt);
      if (event.userId === 'u-fatal') throw new ProvisionError('PRV_MAPPING_INVALID', 'no mapping for ProfileName');
      if (event.userId === 'u-flaky') return outcome.retry('Salesforce is busy');
      handled.push(event.userId);
      return outcome.done();
    },
  });
  await consumer.start();

  const dead = await fixture.waitForMessages(deadLetterTopic(topic), 5);
  // The partition moved on: the good message after the poison was handled and committed.
  await waitFor(() => handled.includes('u-good'));
  await waitFor(async () => (await fixture.committedOffset(groupId, topic, 0)) === '6', {
    message: 'offset 6 committed',
  });

  const byKey = new Map(dead.map((m) => [m.key ?? '(none)', m]));
  expect([...byKey.keys()].sort()).toEqual(['(none)', 'u-fatal', 'u-flaky', 'u-json', 'u-schema']);
  // Original key, value and headers travel unchanged; the reason is in dlq_* headers.
  expect(byKey.get('u-json')).toMatchObject({
    value: '{not json',
    headers: { traceparent, ce_id: 'c-1', dlq_reason_code: 'PRV_EVENT_UNDECODABLE', dlq_source_topic: topic },
  });
  expect(byKey.get('u-json')!.headers['dlq_source_offset']).toBe('0');
  expect(byKey.get('u-schema')!.headers).toMatchObject({ dlq_reason_code: 'PRV_EVENT_INVALID' });
  expect(byKey.get('u-schema')!.headers['dlq_reason']).toContain('seq');
  expect(byKey.get('(none)')!.headers).toMatchObject({
    dlq_reason_code: 'PRV_EVENT_UNDECODABLE',
    dlq_reason: 'message has no key',
  });
  expect(byKey.get('u-fatal')!.headers).toMatchObject({ dlq_reason_code: 'PRV_MAPPING_INVALID', dlq_attempts: '1' });
  expect(byKey.get('u-flaky')!.headers).toMatchObject({ dlq_reason_code: 'PRV_HANDLER_FAILED', dlq_attempts: '3' });
  expect(byKey.get('u-flaky')!.headers['dlq_reason']).toContain('Salesforce is busy');
  expect(byKey.get('u-flaky')!.headers['ce_type']).toBe(TYPE);
  expect(JSON.parse(byKey.get('u-flaky')!.value!)).toEqual({ userId: 'u-flaky', seq: 1 });
  expect(attempts.get('u-flaky')).toBe(3);
  expect(handled).toEqual(['u-good']);
});

test('a transient failure is retried with backoff and then succeeds, in order', async ({ kafka: fixture }) => {
  kafka = client(fixture.brokers);
  const topic = fixture.topicName('retry');
  await kafka.ensureTopics([{ topic, partitions: 1 }]);
  const producer = await kafka.producer({ source: '/provision/test' });
  await producer.send([1, 2, 3].map((seq) => ({ topic, key: 'u1', type: TYPE, value: { userId: 'u1', seq } })));

  const calls: string[] = [];
  const consumer = kafka.consumer({
    ...FAST_GROUP,
    groupId: fixture.groupId(),
    topics: [topic],
    schema: TestEvent,
    retry: FAST_RETRY,
    handler: async (event, ctx) => {
      calls.push(`${event.seq}#${ctx.attempt}`);
      // A plain Error is assumed transient (isRetriable: true).
      if (event.seq === 2 && ctx.attempt < 3) throw new Error('ECONNRESET');
      return outcome.done();
    },
  });
  await consumer.start();
  await waitFor(() => calls.includes('3#1'));
  expect(calls).toEqual(['1#1', '2#1', '2#2', '2#3', '3#1']);
  await waitFor(async () => (await consumer.lag()).total === 0);
});

test('a gzip-compressed message over 1 MiB once unpacked is dead-lettered whole, compressed, and the partition moves on', async ({
  kafka: fixture,
}) => {
  kafka = client(fixture.brokers);
  const topic = fixture.topicName('oversize');
  await kafka.ensureTopics([{ topic, partitions: 1 }]);
  // Small on the wire, so the broker takes it; 1.2 MB once unpacked, so the consumer refuses it.
  const huge = JSON.stringify({ userId: 'u-huge', seq: 1, padding: 'x'.repeat(1_200_000) });
  await fixture.produceRaw(topic, [{ key: 'u-huge', value: huge, headers: { ce_id: 'c-huge' } }], {
    compression: 'gzip',
  });
  const producer = await kafka.producer({ source: '/provision/test' });
  await producer.send([{ topic, key: 'u-huge', type: TYPE, value: { userId: 'u-huge', seq: 2 } }]);

  const handled: number[] = [];
  const groupId = fixture.groupId();
  const consumer = kafka.consumer({
    ...FAST_GROUP,
    groupId,
    topics: [topic],
    schema: TestEvent,
    retry: FAST_RETRY,
    handler: async (event) => {
      handled.push(event.seq);
      return outcome.done();
    },
  });
  await consumer.start();

  const [letter] = await fixture.waitForMessages(deadLetterTopic(topic), 1);
  expect(letter).toMatchObject({ key: 'u-huge', headers: { ce_id: 'c-huge', dlq_reason_code: 'PRV_EVENT_OVERSIZE' } });
  expect(letter!.value === huge, 'the dead letter keeps the original bytes').toBe(true);
  expect(letter!.headers).not.toHaveProperty('dlq_truncated');
  await waitFor(() => handled.includes(2), { message: 'the next message of the partition handled' });
  await waitFor(async () => (await fixture.committedOffset(groupId, topic, 0)) === '2', {
    message: 'offset 2 committed',
  });
  expect(handled).toEqual([2]);
});

test('a dead letter the broker refuses as too large even compressed goes reduced: its start, what was cut and the size', async ({
  kafka: fixture,
}) => {
  kafka = client(fixture.brokers);
  const topic = fixture.topicName('incompressible');
  // The dead-letter topic takes less than the source: random bytes do not compress under its limit.
  await kafka.ensureTopics([
    { topic, partitions: 1 },
    { topic: deadLetterTopic(topic), partitions: 1, config: { 'max.message.bytes': String(128 * 1024) } },
  ]);
  const bytes = randomBytes(400_000);
  await fixture.produceRaw(topic, [{ key: 'u-random', value: bytes }]);
  const producer = await kafka.producer({ source: '/provision/test' });
  await producer.send([{ topic, key: 'u-random', type: TYPE, value: { userId: 'u-random', seq: 2 } }]);

  const handled: number[] = [];
  const consumer = kafka.consumer({
    ...FAST_GROUP,
    groupId: fixture.groupId(),
    topics: [topic],
    schema: TestEvent,
    retry: FAST_RETRY,
    maxMessageBytes: 256 * 1024,
    handler: async (event) => {
      handled.push(event.seq);
      return outcome.done();
    },
  });
  await consumer.start();

  await waitFor(() => handled.includes(2), { message: 'the next message of the partition handled' });
  const [letter] = await fixture.waitForMessages(deadLetterTopic(topic), 1);
  expect(letter!.headers).toMatchObject({
    dlq_reason_code: 'PRV_EVENT_OVERSIZE',
    dlq_truncated: 'value',
    dlq_original_value_bytes: '400000',
  });
  // Read as UTF-8: one character per byte at most.
  expect(letter!.value!.length, 'at most the first 64 KiB of the value').toBeLessThanOrEqual(64 * 1024);
});
