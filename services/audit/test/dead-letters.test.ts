import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { expect } from 'vitest';
import type { DeadLetterRecord } from '../src/domain/ports.ts';
import { fixtures } from '../src/testing/fixtures.ts';
import { startHarness, TOPICS } from './harness.ts';

test('logs poison messages with the reason the Kafka driver dead-lettered them for, and moves on', async ({
  kafka,
  postgres,
}) => {
  const h = await startHarness({ kafka, postgres });
  try {
    const good = fixtures.commandCreate();
    const { commandId: _dropped, ...invalid } = fixtures.commandDisable();
    await kafka.produceRaw(h.topic(TOPICS.commands), [
      { key: good.userId, value: '{not json' },
      { key: good.userId, value: JSON.stringify(invalid) },
    ]);
    // A dead letter written by another service's consumer group, read as it is (no key, not JSON).
    await kafka.produceRaw(h.dlq(TOPICS.results), [
      {
        key: null,
        value: Buffer.from([0xff, 0x00, 0x41]),
        headers: {
          dlq_reason_code: 'PRV_EVENT_UNDECODABLE',
          dlq_reason: 'message has no key',
          dlq_source_topic: h.topic(TOPICS.results),
        },
      },
    ]);
    await h.publish(TOPICS.commands, [good]);

    const letters = await waitFor(
      async () => {
        const { items } = (await h.get<{ items: DeadLetterRecord[] }>('/api/dead-letters')).body;
        return items.length >= 3 ? items : null;
      },
      { timeout: 20_000, message: 'three dead letters' },
    );
    const byCode = (code: string) => letters.filter((l) => l.errorCode === code);
    expect(
      byCode('PRV_EVENT_UNDECODABLE')
        .map((l) => l.reason)
        .sort(),
    ).toEqual(['message has no key', expect.stringMatching(/^value is not JSON/)]);
    const [schemaFailure] = byCode('PRV_EVENT_INVALID');
    expect(schemaFailure).toMatchObject({
      sourceTopic: 'provisioning.commands.v1',
      topic: 'provisioning.commands.dlq.v1',
      key: good.userId,
      reason: expect.stringMatching(/commandId/),
    });
    expect(JSON.parse(schemaFailure?.payload ?? '{}')).toMatchObject({ changeId: invalid.changeId });
    const keyless = letters.find((l) => l.reason === 'message has no key');
    expect(keyless).toMatchObject({
      key: null,
      sourceTopic: 'provisioning.results.v1',
      payload: Buffer.from([0xff, 0x00, 0x41]).toString('base64'),
      payloadEncoding: 'base64',
    });

    // The partition moved on: the valid command behind the poison was logged too.
    await waitFor(async () => (await h.get(`/api/provisioning-logs/${good.commandId}`)).status === 200);
    const status = (await h.get<{ deadLetters: { total: number } }>('/api/sync-status')).body;
    expect(status.deadLetters.total).toBe(3);
  } finally {
    await h.close();
  }
});

test('lists a message over 1 MiB once unpacked (gzip-compressed) as its dead letter, whole, and moves on', async ({
  kafka,
  postgres,
}) => {
  const h = await startHarness({ kafka, postgres });
  try {
    const good = fixtures.commandCreate();
    const huge = JSON.stringify({ ...fixtures.commandDisable(), padding: 'x'.repeat(1_200_000) });
    await kafka.produceRaw(h.topic(TOPICS.commands), [{ key: good.userId, value: huge }], { compression: 'gzip' });
    await h.publish(TOPICS.commands, [good]);

    const letter = await waitFor(
      async () => {
        const { items } = (await h.get<{ items: DeadLetterRecord[] }>('/api/dead-letters')).body;
        return items.find((l) => l.errorCode === 'PRV_EVENT_OVERSIZE') ?? null;
      },
      { timeout: 20_000, message: 'the oversize dead letter' },
    );
    expect(letter).toMatchObject({
      sourceTopic: 'provisioning.commands.v1',
      key: good.userId,
      payloadEncoding: 'utf8',
    });
    expect(letter.payload === huge, 'the whole value').toBe(true);
    await waitFor(async () => (await h.get(`/api/provisioning-logs/${good.commandId}`)).status === 200);
  } finally {
    await h.close();
  }
});
