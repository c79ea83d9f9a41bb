import { TOPIC_SCHEMAS, TOPICS } from '@provision/events';
import { createKafkaClient, deadLetterTopic, type KafkaClient } from '@provision/kafka';
import { defaultMappingConfig } from '@provision/mapping';
import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { afterEach, expect } from 'vitest';
import { kafkaCommandSource } from '../src/adapters/kafka-io.ts';
import { commandPolicy, commandRefusal } from '../src/domain/command-guard.ts';
import type { CommandSource } from '../src/domain/ports.ts';
import { aCommand } from '../src/testing/commands.ts';

let client: KafkaClient | undefined;
let source: CommandSource | undefined;
afterEach(async () => {
  await source?.stop();
  await client?.close();
});

test('a forged command — another user’s key, or a field no mapping targets — is dead-lettered with its reason and never handled', async ({
  kafka,
}) => {
  const topic = await kafka.createTopic({ name: 'commands', partitions: 2 });
  client = createKafkaClient({ brokers: kafka.brokers, clientId: 'forged-commands-test' });
  const policy = commandPolicy(defaultMappingConfig());
  const type = TOPIC_SCHEMAS[TOPICS.commands].cloudEventType;
  const valid = aCommand({ userId: 'u-valid' });
  const forgedKey = aCommand({ userId: 'u-forged' });
  const forgedField = aCommand({
    userId: 'u-admin',
    action: 'update',
    fields: { UserPermissionsModifyAllData: true, ProfileName: 'System Administrator' },
  });
  await kafka.produceRaw(topic, [
    { key: 'u-victim', value: JSON.stringify(forgedKey), headers: { ce_type: type } },
    { key: 'u-admin', value: JSON.stringify(forgedField), headers: { ce_type: type } },
    { key: 'u-valid', value: JSON.stringify(valid), headers: { ce_type: type } },
  ]);

  const handled: string[] = [];
  source = kafkaCommandSource({
    client,
    groupId: kafka.groupId('writer'),
    topic,
    batchSize: 50,
    maxInHand: 100,
    partitionsConcurrently: 2,
    sessionTimeoutMs: 6_000,
    refuse: (command) => commandRefusal(command, policy),
  });
  await source.start(async (items) => {
    handled.push(...items.map((i) => i.command.userId));
    return items.map(() => ({ status: 'done' as const }));
  });

  const letters = await kafka.waitForMessages(deadLetterTopic(topic), 2, { timeout: 20_000 });
  const byKey = Object.fromEntries(letters.map((l) => [l.key, l.headers]));
  expect(byKey['u-victim']).toMatchObject({
    dlq_reason_code: 'PRV_EVENT_KEY_MISMATCH',
    dlq_reason: 'message key "u-victim" is not the userId "u-forged" the event is about',
  });
  expect(byKey['u-admin']).toMatchObject({
    dlq_reason_code: 'PRV_COMMAND_REFUSED',
    dlq_reason: 'The command sets "UserPermissionsModifyAllData", which no mapping targets',
  });
  await waitFor(() => handled.includes('u-valid'), { timeout: 10_000, message: 'the valid command is handled' });
  expect(handled).toEqual(['u-valid']);
});
