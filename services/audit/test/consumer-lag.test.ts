import { createKafkaClient } from '@provision/kafka';
import { test } from '@provision/testkit/vitest';
import { Kafka, logLevel } from 'kafkajs';
import { expect } from 'vitest';
import { createKafkaLagReader } from '../src/adapters/kafka-lag-reader.ts';

test("measures each Provision group's lag per topic from the broker, and leaves other topics out", async ({
  kafka,
}) => {
  const commands = await kafka.createTopic({ name: 'provisioning.commands', partitions: 2 });
  const other = await kafka.createTopic({ name: 'someone-else', partitions: 1 });
  expect(commands).toBe(`${kafka.prefix}.provisioning.commands.v1`);
  await kafka.produceRaw(
    commands,
    [0, 1, 2, 3, 4].map((i) => ({ key: `u${i}`, value: `${i}`, partition: 0 })),
  );
  await kafka.produceRaw(
    commands,
    [5, 6].map((i) => ({ key: `u${i}`, value: `${i}`, partition: 1 })),
  );
  await kafka.produceRaw(other, [{ key: 'x', value: 'x' }]);
  // The writer's group has processed 2 of partition 0 and all of partition 1.
  const admin = new Kafka({
    clientId: 'lag-test',
    brokers: kafka.brokers.split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  const reader = createKafkaLagReader({
    kafka: createKafkaClient({ brokers: kafka.brokers, clientId: 'lag-test', retries: 2 }),
    topicPrefix: `${kafka.prefix}.`,
    cacheMs: 0,
  });
  try {
    await admin.setOffsets({
      groupId: `${kafka.prefix}.provision-writer`,
      topic: commands,
      partitions: [
        { partition: 0, offset: '2' },
        { partition: 1, offset: '2' },
      ],
    });
    await admin.setOffsets({
      groupId: `${kafka.prefix}.elsewhere`,
      topic: other,
      partitions: [{ partition: 0, offset: '0' }],
    });
    expect(await reader.read()).toEqual([{ group: 'provision-writer', topic: 'provisioning.commands.v1', lag: 3 }]);
  } finally {
    await admin.deleteGroups([`${kafka.prefix}.provision-writer`, `${kafka.prefix}.elsewhere`]).catch(() => undefined);
    await reader.close();
    await admin.disconnect();
  }
});
