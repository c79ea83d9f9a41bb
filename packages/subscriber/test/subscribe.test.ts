import { readFileSync } from 'node:fs';
import { type LifecycleEventV1, TOPIC_SCHEMAS, TOPICS } from '@provision/events';
import { createKafkaClient, type KafkaClient } from '@provision/kafka';
import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { afterEach, expect } from 'vitest';
import { ActiveUsers, subscribe } from '../src/index.ts';

const fixture = (type: string) =>
  JSON.parse(readFileSync(new URL(`../../events/fixtures/lifecycle-${type}.v1.json`, import.meta.url), 'utf8')) as {
    key: string;
    value: LifecycleEventV1;
  };

let kafka: KafkaClient | undefined;
afterEach(async () => {
  await kafka?.close();
});

test('a subscriber receives typed lifecycle events, ignores added fields, applies a redelivery once and dead-letters an invalid event', async ({
  kafka: fixture_,
}) => {
  kafka = createKafkaClient({ brokers: fixture_.brokers, clientId: 'subscriber-test' });
  const topicPrefix = `${fixture_.prefix}.`;
  const topic = `${topicPrefix}${TOPICS.lifecycle}`;
  await kafka.ensureTopics([{ topic, partitions: 3 }]);
  const type = TOPIC_SCHEMAS[TOPICS.lifecycle].cloudEventType;
  const producer = await kafka.producer({ source: '/provision/audit' });
  const joiner = fixture('joiner');
  const send = (key: string, value: unknown) => producer.send([{ topic, key, type, value }]);
  await send(joiner.key, { ...joiner.value, addedInALaterVersion: 'ignored' });
  await send(fixture('provisioned').key, fixture('provisioned').value);
  await send(fixture('deprovisioned').key, fixture('deprovisioned').value);
  await send(joiner.key, { ...joiner.value, type: 'rehired' }); // not a v1 type: dead-lettered
  await send(joiner.key, joiner.value); // redelivered
  await send(fixture('mover').key, fixture('mover').value);
  await producer.disconnect();

  const table = new ActiveUsers();
  const received: LifecycleEventV1[] = [];
  const subscription = subscribe({
    kafka,
    topic: TOPICS.lifecycle,
    topicPrefix,
    groupId: fixture_.groupId('subscriber'),
    consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, maxWaitTimeMs: 100 },
    handler: async (event) => {
      received.push(event);
      table.apply(event);
    },
  });
  await subscription.start();
  try {
    await waitFor(() => received.length === 5, { timeout: 20_000, message: '5 valid events handled' });
    // One user's events in the order published (across users, no order is promised).
    const adele = received.filter((e) => e.userId === joiner.key);
    expect(adele.map((e) => e.type)).toEqual(['joiner', 'joiner', 'mover']);
    expect(adele[0]).toEqual(joiner.value);
    expect(adele[0]).not.toHaveProperty('addedInALaterVersion');
    expect(table.summary()).toMatchObject({
      received: { joiner: 1, mover: 1, provisioned: 1, deprovisioned: 1, leaver: 0 },
      duplicates: 1,
      active: 2,
      inactive: 1,
    });
    const [letter] = await fixture_.waitForMessages(`${topicPrefix}provisioning.lifecycle.dlq.v1`, 1);
    expect(letter?.headers['dlq_reason_code']).toBe('PRV_EVENT_INVALID');
    expect(letter?.headers['dlq_reason']).toContain('type');
  } finally {
    await subscription.stop();
  }
});
