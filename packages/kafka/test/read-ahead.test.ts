import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@provision/ports';
import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { afterEach, expect } from 'vitest';
import {
  type ConsumerRunner,
  deadLetterTopic,
  type KafkaClient,
  type Outcome,
  outcome,
  type PartitionFence,
} from '../src/index.ts';
import { client, FAST_GROUP, TestEvent, TYPE } from './support.ts';

let kafka: KafkaClient | undefined;
const runners: ConsumerRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
  await kafka?.close();
});

/** Calls under way by key, across every member of a test: a key in two calls at once is a failure. */
class KeyWatch {
  readonly #busy = new Map<string, string>();
  readonly overlaps: string[] = [];
  readonly seen = new Map<string, number[]>();
  enter(member: string, events: readonly TestEvent[]): void {
    for (const e of events) {
      const other = this.#busy.get(e.userId);
      if (other !== undefined) this.overlaps.push(`${e.userId} in ${other} and ${member}`);
      this.#busy.set(e.userId, member);
    }
  }
  leave(events: readonly TestEvent[], answered: readonly boolean[]): void {
    events.forEach((e, i) => {
      this.#busy.delete(e.userId);
      if (answered[i]) this.seen.set(e.userId, [...(this.seen.get(e.userId) ?? []), e.seq]);
    });
  }
}

/** Fences shared by the members of one test (what Redis is to the writers). */
/** A logger keeping the consumer's "retrying part of a batch" lines, with their level. */
function retryLines() {
  const lines: { level: string; fields: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (fields: object | string, message?: string): void => {
      if (message === 'retrying part of a batch') lines.push({ level, fields: fields as Record<string, unknown> });
    };
  const logger: Logger = {
    child: () => logger,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { lines, logger };
}

function fences(renewEveryMs = 200) {
  const owners = new Map<string, string>();
  const log: string[] = [];
  const of = (member: string): PartitionFence => ({
    renewEveryMs,
    async hold(topic, partition) {
      const id = `${topic}|${partition}`;
      const owner = owners.get(id);
      if (owner !== undefined && owner !== member) return false;
      if (owner === undefined) log.push(`${member} holds ${partition}`);
      owners.set(id, member);
      return true;
    },
    async release(topic, partition) {
      const id = `${topic}|${partition}`;
      if (owners.get(id) === member) {
        owners.delete(id);
        log.push(`${member} releases ${partition}`);
      }
    },
  });
  return { of, owners, log };
}

const send = async (k: KafkaClient, topic: string, users: number, steps: number) => {
  const producer = await k.producer({ source: '/provision/test' });
  const events = [];
  for (let seq = 1; seq <= steps; seq++)
    for (let u = 0; u < users; u++) events.push({ topic, key: `u${u}`, type: TYPE, value: { userId: `u${u}`, seq } });
  await producer.send(events);
  return events.length;
};

test('read-ahead keeps order per key, never puts a key in two calls at once, bounds the hand and commits all', async ({
  kafka: fixture,
}) => {
  kafka = client(fixture.brokers);
  const topic = fixture.topicName('read-ahead');
  await kafka.ensureTopics([{ topic, partitions: 2 }]);
  const total = await send(kafka, topic, 20, 10);
  await fixture.produceRaw(topic, [{ key: 'u3', value: '{"userId":"u3"}' }]);

  const watch = new KeyWatch();
  let inFlight = 0;
  let mostInFlight = 0;
  let mostInHand = 0;
  const attempts = new Map<string, number>();
  const retryLog = retryLines();
  const groupId = fixture.groupId();
  const runner: ConsumerRunner = kafka.consumer({
    ...FAST_GROUP,
    groupId,
    topics: [topic],
    schema: TestEvent,
    batchSize: 7,
    // Both partitions take into the hand at once: neither may overfill it.
    partitionsConcurrently: 2,
    readAhead: {
      maxInHand: 40,
      refuse: (e) => (e.userId === 'u7' && e.seq === 2 ? { code: 'PRV_COMMAND_REFUSED', reason: 'forged' } : undefined),
    },
    retry: { maxAttempts: 5, initialDelayMs: 10, maxDelayMs: 30, jitter: 0 },
    logger: retryLog.logger,
    batchHandler: async (events) => {
      watch.enter('only', events);
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      mostInHand = Math.max(mostInHand, runner.hand()?.inHand ?? 0);
      await sleep(5 + Math.floor(Math.random() * 20));
      inFlight--;
      const outcomes = events.map((e): Outcome => {
        const id = `${e.userId}/${e.seq}`;
        const n = (attempts.get(id) ?? 0) + 1;
        attempts.set(id, n);
        // Every fifth step of u1 is refused once: its later steps must wait for it.
        if (e.userId === 'u1' && e.seq % 5 === 0 && n === 1) return outcome.retry('UNABLE_TO_LOCK_ROW');
        if (e.userId === 'u5' && e.seq === 3) return outcome.deadLetter('refused', { code: 'PRV_COMMAND_REFUSED' });
        return outcome.done();
      });
      watch.leave(
        events,
        outcomes.map((o) => o.status === 'done'),
      );
      return outcomes;
    },
  });
  runners.push(runner);
  await runner.start();

  await waitFor(
    async () => {
      const lag = await runner.lag();
      return lag.total === 0;
    },
    { message: 'everything committed', timeout: 30_000 },
  );
  expect(watch.overlaps).toEqual([]);
  expect([...watch.seen.keys()]).toHaveLength(20);
  for (const [user, seqs] of watch.seen)
    expect(seqs, user).toEqual(
      user === 'u5'
        ? [1, 2, 4, 5, 6, 7, 8, 9, 10]
        : user === 'u7'
          ? [1, 3, 4, 5, 6, 7, 8, 9, 10]
          : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
  // Every event once (the refused one never), u1's two refused steps twice.
  expect([...attempts.values()].reduce((a, b) => a + b, 0)).toBe(total - 1 + 2);
  // A first retry is routine: logged at info, with the handler's reason; never at warn.
  expect(retryLog.lines.filter((l) => l.level === 'warn')).toEqual([]);
  expect(retryLog.lines.filter((l) => l.level === 'info').map((l) => l.fields['reason'])).toContain(
    'UNABLE_TO_LOCK_ROW',
  );
  expect(mostInHand).toBeLessThanOrEqual(40);
  // Reading ahead: calls overlap instead of one fetch at a time.
  expect(mostInFlight).toBeGreaterThan(1);
  const dead = await fixture.waitForMessages(deadLetterTopic(topic), 3);
  // Refused as taken: the dead letter holds the bytes as they were sent.
  const forged = dead.find((d) => d.key === 'u7');
  expect(forged).toMatchObject({ headers: { dlq_reason_code: 'PRV_COMMAND_REFUSED', dlq_reason: 'forged' } });
  expect(forged?.headers['dlq_value_reencoded']).toBeUndefined();
  expect(JSON.parse(String(forged?.value))).toEqual({ userId: 'u7', seq: 2 });
  expect(dead.find((d) => d.key === 'u3')).toMatchObject({ headers: { dlq_reason_code: 'PRV_EVENT_INVALID' } });
  // A message the handler refused: its dead letter holds its event, re-encoded, and its headers as they were sent.
  const refused = dead.find((d) => d.key === 'u5');
  expect(refused).toMatchObject({
    headers: { dlq_reason_code: 'PRV_COMMAND_REFUSED', ce_type: TYPE, dlq_value_reencoded: 'true' },
  });
  expect(JSON.parse(String(refused?.value))).toEqual({ userId: 'u5', seq: 3 });
  expect(runner.hand()?.inHand).toBe(0);
});

test('a partition that moves to a new member is worked there only once the old member settled it', async ({
  kafka: fixture,
}) => {
  kafka = client(fixture.brokers);
  const topic = fixture.topicName('read-ahead-move');
  await kafka.ensureTopics([{ topic, partitions: 4 }]);
  await send(kafka, topic, 40, 6);

  const watch = new KeyWatch();
  const shared = fences();
  const groupId = fixture.groupId();
  const member = (name: string) =>
    kafka!.consumer({
      ...FAST_GROUP,
      groupId,
      topics: [topic],
      schema: TestEvent,
      batchSize: 10,
      readAhead: { maxInHand: 60, fence: shared.of(name) },
      batchHandler: async (events) => {
        watch.enter(name, events);
        // Slow calls: a rebalance always finds work in hand.
        await sleep(150);
        watch.leave(
          events,
          events.map(() => true),
        );
        return events.map(() => outcome.done());
      },
    });
  const a = member('a');
  runners.push(a);
  await a.start();
  await waitFor(() => watch.seen.size > 0, { message: 'a is working' });
  const b = member('b');
  runners.push(b);
  await b.start();
  await waitFor(() => b.assignment()[topic]?.length === 2 && a.assignment()[topic]?.length === 2, {
    message: 'the partitions split between a and b',
    timeout: 30_000,
  });

  await waitFor(async () => (await a.lag()).total === 0, { message: 'everything committed', timeout: 60_000 });
  expect(watch.overlaps).toEqual([]);
  // Each user's steps in order. A step may come again after the move (what was answered but not yet
  // committed is redelivered: at least once), never before an earlier step was first handled.
  for (const [user, seqs] of watch.seen) {
    const firsts = seqs.filter((s, i) => seqs.indexOf(s) === i);
    expect(firsts, user).toEqual([1, 2, 3, 4, 5, 6]);
  }
  expect(watch.seen.size).toBe(40);
  // Every partition b works now was let go by a before b took it.
  for (const partition of b.assignment()[topic] ?? []) {
    const released = shared.log.lastIndexOf(`a releases ${partition}`);
    const taken = shared.log.indexOf(`b holds ${partition}`);
    // b holds a partition once it has something to take from it; a, if it held it, let go before.
    if (taken >= 0) expect(taken, `partition ${partition}`).toBeGreaterThan(released);
    if (taken >= 0 && shared.log.includes(`a holds ${partition}`))
      expect(released, `partition ${partition}`).toBeGreaterThanOrEqual(0);
  }
});

test('a member waits for a fence another member holds, then works the partition', async ({ kafka: fixture }) => {
  kafka = client(fixture.brokers);
  const topic = fixture.topicName('read-ahead-fence');
  await kafka.ensureTopics([{ topic, partitions: 1 }]);
  await send(kafka, topic, 3, 2);
  const shared = fences();
  await shared.of('gone').hold(topic, 0);
  const handled: number[] = [];
  const runner = kafka.consumer({
    ...FAST_GROUP,
    groupId: fixture.groupId(),
    topics: [topic],
    schema: TestEvent,
    readAhead: { maxInHand: 10, fence: shared.of('me') },
    batchHandler: async (events) => {
      handled.push(...events.map((e) => e.seq));
      return events.map(() => outcome.done());
    },
  });
  runners.push(runner);
  await runner.start();
  await sleep(1_500);
  expect(handled).toEqual([]);
  await shared.of('gone').release(topic, 0);
  await waitFor(() => handled.length === 6, { message: 'handled once the fence was free' });
  expect(shared.owners.get(`${topic}|0`)).toBe('me');
});
