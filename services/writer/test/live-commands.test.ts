import { createKafkaClient } from '@provision/kafka';
import { type SalesforceSim, startSalesforceSim } from '@provision/salesforce-sim';
import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createCommand, createTopics, publishCommands, readResults, startWriter } from './harness.ts';

let sim: SalesforceSim;

beforeAll(async () => {
  sim = await startSalesforceSim();
});

afterAll(async () => {
  await sim?.close();
});

const usersOf = (domain: string) =>
  sim.admin.users(sim.orgId).filter((u) => String(u['Username']).endsWith(`@${domain}`));

describe('the live lane', () => {
  test('a command on the live topic is written while a backlog fills the bulk hand, long before the backlog drains', async ({
    kafka,
    redis,
  }) => {
    const topics = await createTopics(kafka);
    const client = createKafkaClient({ brokers: kafka.brokers, clientId: 'test' });
    const domain = `backlog-${kafka.prefix}.example.com`;
    const backlog = Array.from({ length: 300 }, (_, i) =>
      createCommand(i, { domain, userId: `${kafka.prefix}-backlog-${i}` }),
    );
    await publishCommands(client, topics.commands, backlog);
    // A slow org and a hand of 20 in flushes of 10: the backlog takes seconds to drain, and the
    // bulk hand stays full all along (what Kafka holds beyond it waits for room).
    sim.admin.setFaults({ latency: { minMs: 200, maxMs: 200 } });
    const groupId = kafka.groupId('writer');
    const writer = await startWriter({
      kafka,
      redis,
      sim,
      topics,
      groupId,
      settings: { WRITER_MAX_IN_HAND: '20', WRITER_MAX_BATCH: '10' },
    });
    try {
      await waitFor(() => usersOf(domain).length >= 20, { timeout: 30_000, message: 'the backlog being written' });
      expect(writer.service.ready()).toBe(true);

      const live = createCommand(1000, { domain: `live-${kafka.prefix}.example.com`, userId: `${kafka.prefix}-live` });
      await publishCommands(client, topics.liveCommands, [live]);
      let writtenBefore = 0;
      await waitFor(
        () => {
          writtenBefore = usersOf(domain).length;
          return usersOf(`live-${kafka.prefix}.example.com`).length === 1;
        },
        { timeout: 30_000, message: 'the live command written' },
      );
      // Without a lane of its own it would wait behind all 300 (the bulk topic's order and hand).
      expect(writtenBefore).toBeLessThan(backlog.length / 2);

      // Everything is answered in the end, each lane committed by its own group.
      const results = await readResults(kafka, topics.results, backlog.length + 1);
      expect(results.every((r) => r.status === 'success')).toBe(true);
      await waitFor(
        async () => {
          const offsets = [0, 1, 2].map((p) => kafka.committedOffset(`${groupId}.live`, topics.liveCommands, p));
          return (await Promise.all(offsets)).includes('1');
        },
        { timeout: 15_000, message: 'the live command committed by the live group' },
      );
    } finally {
      sim.admin.clearFaults();
      await writer.stop();
      await client.close();
    }
  });
});
