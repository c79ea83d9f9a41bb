import { TOPIC_SCHEMAS, TOPICS } from '@provision/events';
import { createKafkaClient, type KafkaClient } from '@provision/kafka';
import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { afterEach, expect } from 'vitest';
import { kafkaCommandSource } from '../src/adapters/kafka-io.ts';
import type { CommandSource } from '../src/domain/ports.ts';
import { aCommand } from '../src/testing/commands.ts';

let client: KafkaClient | undefined;
let source: CommandSource | undefined;
afterEach(async () => {
  await source?.stop();
  await client?.close();
});

test('the commands held at once are bounded by maxInHand, read ahead of the answers, and every command is handled', async ({
  kafka,
}) => {
  const topic = await kafka.createTopic({ name: 'commands', partitions: 2 });
  client = createKafkaClient({ brokers: kafka.brokers, clientId: 'fetch-bound-test' });
  const type = TOPIC_SCHEMAS[TOPICS.commands].cloudEventType;
  // 300 commands of about 1 KB, sent 10 at a time.
  const ids: string[] = [];
  for (let b = 0; b < 30; b++) {
    const batch = Array.from({ length: 10 }, (_, i) => {
      const command = aCommand({ userId: `u-${b * 10 + i}`, n: b * 10 + i });
      ids.push(command.userId);
      return { key: command.userId, value: JSON.stringify(command), headers: { ce_type: type } };
    });
    await kafka.produceRaw(topic, batch);
  }

  let held = 0;
  let mostHeld = 0;
  let calls = 0;
  let mostCalls = 0;
  const handled = new Set<string>();
  source = kafkaCommandSource({
    client,
    groupId: kafka.groupId('writer'),
    topic,
    batchSize: 2000,
    maxInHand: 40,
    partitionsConcurrently: 2,
    sessionTimeoutMs: 6_000,
  });
  await source.start(async (items) => {
    held += items.length;
    mostHeld = Math.max(mostHeld, held);
    mostCalls = Math.max(mostCalls, ++calls);
    // Answered later, as a Salesforce call would be: what the next fetch brings meanwhile would add up.
    await new Promise((r) => setTimeout(r, 50));
    for (const item of items) handled.add(item.command.userId);
    held -= items.length;
    calls--;
    return items.map(() => ({ status: 'done' as const }));
  });

  await waitFor(() => handled.size === ids.length, { timeout: 30_000, message: 'all 300 commands handled' });
  expect([...handled].sort()).toEqual([...ids].sort());
  expect(mostHeld).toBeLessThanOrEqual(40);
  expect(mostHeld).toBeGreaterThan(10);
  // Read ahead: a call starts while earlier ones wait for their answers.
  expect(mostCalls).toBeGreaterThan(1);
});
