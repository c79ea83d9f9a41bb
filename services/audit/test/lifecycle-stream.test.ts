import { readFileSync } from 'node:fs';
import { LifecycleEventV1, type ProvisioningResultV1, TOPIC_SCHEMAS, TOPICS } from '@provision/events';
import { createKafkaClient, type KafkaClient } from '@provision/kafka';
import { createLogger } from '@provision/telemetry';
import { test } from '@provision/testkit/vitest';
import { afterEach, expect } from 'vitest';
import { createKafkaLifecycleStream } from '../src/adapters/kafka-lifecycle-stream.ts';
import type { LifecycleStream } from '../src/domain/lifecycle.ts';

const created = (
  JSON.parse(
    readFileSync(new URL('../../../packages/events/fixtures/result-success.v1.json', import.meta.url), 'utf8'),
  ) as { value: ProvisioningResultV1 }
).value;
const failed = (
  JSON.parse(
    readFileSync(new URL('../../../packages/events/fixtures/result-failure.v1.json', import.meta.url), 'utf8'),
  ) as { value: ProvisioningResultV1 }
).value;
const disabled: ProvisioningResultV1 = {
  ...created,
  commandId: 'cmd-disable-1',
  action: 'disable',
  linkedBy: 'link',
  modifiedProperties: [{ name: 'IsActive', oldValue: true, newValue: false }],
  completedAt: '2026-11-26T11:05:01.120Z',
};

let kafka: KafkaClient | undefined;
let stream: LifecycleStream | undefined;
afterEach(async () => {
  await stream?.stop();
  await kafka?.close();
});

test('results become lifecycle events keyed by user, a redelivered result the same event again, and a disable waits for its command to say leaver', async ({
  kafka: fixture,
}) => {
  const prefix = `${fixture.prefix}.`;
  kafka = createKafkaClient({ brokers: fixture.brokers, clientId: 'lifecycle-test' });
  const results = `${prefix}${TOPICS.results}`;
  await kafka.ensureTopics([{ topic: results, partitions: 3 }]);
  const producer = await kafka.producer({ source: '/provision/writer' });
  const type = TOPIC_SCHEMAS[TOPICS.results].cloudEventType;
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const publish = (values: object[]) =>
    producer.send(
      values.map((value) => ({ topic: results, key: (value as { userId: string }).userId, type, value, traceparent })),
    );
  // A joiner, a failure (no event), the joiner's result again (the writer redelivered), a leaver,
  // and a result keyed by another user (forged: skipped here, the log's consumer dead-letters it).
  await publish([created, failed, created, disabled]);
  await producer.sendRaw(results, [
    { key: 'someone-else', value: JSON.stringify({ ...created, commandId: 'forged' }), headers: {} },
  ]);
  await producer.disconnect();

  // The disable's command reaches the log only after a while.
  const startedAt = Date.now();
  const log = new Map<string, string[]>([[created.commandId, ['in-scope', 'role-resolved']]]);
  stream = createKafkaLifecycleStream({
    kafka,
    topicPrefix: prefix,
    partitions: 3,
    logger: createLogger({ service: 'audit', level: 'silent' }),
    commandWaitMs: 20_000,
    commands: {
      reasonsOf: async (id) =>
        id === disabled.commandId ? (Date.now() - startedAt > 1_500 ? ['soft-deleted'] : null) : (log.get(id) ?? null),
    },
  });
  await stream.start();

  const messages = await fixture.waitForMessages(`${prefix}${TOPICS.lifecycle}`, 3, { timeout: 30_000 });
  expect(messages).toHaveLength(3);
  const events = messages.map((m) => ({
    key: m.key,
    headers: m.headers,
    event: LifecycleEventV1.parse(JSON.parse(m.value!)),
  }));
  const joiners = events.filter((e) => e.event.type === 'joiner');
  expect(joiners).toHaveLength(2);
  expect(joiners[0]!.event).toEqual(joiners[1]!.event);
  expect(joiners.map((e) => e.headers['ce_id'])).toEqual([
    `${created.commandId}:lifecycle`,
    `${created.commandId}:lifecycle`,
  ]);
  expect(joiners[0]).toMatchObject({
    key: created.userId,
    event: { salesforceId: created.salesforceId, active: true, reasons: ['in-scope', 'role-resolved'] },
    headers: { ce_type: 'com.provision.user.lifecycle.v1', ce_source: '/provision/audit' },
  });
  // The same trace as the result it came from.
  expect(joiners[0]!.headers['traceparent']).toBe(traceparent);
  const leaver = events.find((e) => e.event.commandId === disabled.commandId);
  expect(leaver?.event).toMatchObject({ type: 'leaver', active: false, reasons: ['soft-deleted'] });
  expect(events.some((e) => e.event.commandId === 'forged' || e.event.userId === failed.userId)).toBe(false);
}, 60_000);
