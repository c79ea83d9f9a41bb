import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { afterEach, expect } from 'vitest';
import { type KafkaClient, outcome } from '../src/index.ts';
import { client, FAST_GROUP, TestEvent, TYPE } from './support.ts';

let kafka: KafkaClient | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  await kafka?.close();
});

test('a consumer killed after handling but before committing has the message redelivered (at least once)', async ({
  kafka: fixture,
}) => {
  kafka = client(fixture.brokers);
  const topic = fixture.topicName('crash');
  await kafka.ensureTopics([{ topic, partitions: 1 }]);
  const producer = await kafka.producer({ source: '/provision/test' });
  await producer.send([1, 2, 3, 4].map((seq) => ({ topic, key: 'u1', type: TYPE, value: { userId: 'u1', seq } })));
  const groupId = fixture.groupId();

  const lines: string[] = [];
  child = spawn(process.execPath, [join(import.meta.dirname, 'processes/hanging-consumer.ts')], {
    env: { ...process.env, KAFKA_BROKERS: fixture.brokers, TOPIC: topic, GROUP: groupId, HANG_AT: '3' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout!.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  await waitFor(() => lines.includes('handled 3'), { timeout: 20_000, message: 'the child handled seq 3' });
  const exited = new Promise((resolve) => child!.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  // Nothing past the unfinished message was committed.
  expect(BigInt(await fixture.committedOffset(groupId, topic, 0))).toBeLessThanOrEqual(2n);

  const seen: number[] = [];
  const consumer = kafka.consumer({
    ...FAST_GROUP,
    groupId,
    topics: [topic],
    schema: TestEvent,
    handler: async (event) => {
      seen.push(event.seq);
      return outcome.done();
    },
  });
  await consumer.start();
  await waitFor(() => seen.includes(4), { timeout: 20_000, message: 'seq 4 handled after the crash' });
  expect(seen).toContain(3); // redelivered: handled by the dead consumer, never committed
  expect(seen.slice(seen.indexOf(3))).toEqual([3, 4]);
  await waitFor(async () => (await fixture.committedOffset(groupId, topic, 0)) === '4');
});
