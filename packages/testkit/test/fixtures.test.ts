import { Redis } from 'ioredis';
import pg from 'pg';
import { expect } from 'vitest';
import { infrastructure } from '../src/index.ts';
import { test } from '../src/vitest.ts';

test('the infrastructure names where each server came from', async () => {
  const infra = await infrastructure();
  expect(infra.KAFKA_BROKERS).toMatch(/:\d+/);
  expect(infra.REDIS_URL).toMatch(/^redis:\/\//);
  expect(infra.DATABASE_URL).toMatch(/^postgres(ql)?:\/\//);
  expect(Object.values(infra.sources).every((s) => ['environment', 'containers', 'local'].includes(s))).toBe(true);
});

test('a PostgreSQL fixture gives the test its own schema as the search path, and drops it', async ({ postgres }) => {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    await client.query('CREATE TABLE audit_log (id int)');
    const { rows } = await client.query<{ schema: string }>('SELECT current_schema() AS schema');
    expect(rows[0]!.schema).toBe(postgres.schema);
  } finally {
    await client.end();
  }
  await postgres.cleanup();
  const admin = new pg.Client({ connectionString: postgres.serverUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [postgres.schema]);
    expect(rowCount).toBe(0);
  } finally {
    await admin.end();
  }
});

test('a Redis fixture removes only the keys under its prefix', async ({ redis }) => {
  const client = new Redis(redis.url);
  const outsider = `outsider:${redis.prefix}`;
  try {
    await client.set(redis.key('cursor'), 'abc');
    await client.set(outsider, 'keep');
    await redis.cleanup();
    expect(await client.exists(redis.key('cursor'))).toBe(0);
    expect(await client.get(outsider)).toBe('keep');
  } finally {
    await client.del(outsider);
    client.disconnect();
  }
});

test('a Kafka fixture creates unique topics, reads them back and deletes them', async ({ kafka }) => {
  const topic = await kafka.createTopic({ name: 'fixture', partitions: 2 });
  expect(topic.startsWith(`${kafka.prefix}.`)).toBe(true);
  await kafka.produceRaw(topic, [
    { key: 'a', value: '1' },
    { key: 'b', value: '2', headers: { h: 'x' } },
  ]);
  const messages = await kafka.waitForMessages(topic, 2);
  expect(messages.map((m) => m.value).sort()).toEqual(['1', '2']);
  expect(messages.find((m) => m.key === 'b')!.headers).toEqual({ h: 'x' });
  expect(kafka.groupId()).not.toBe(kafka.groupId());
});
