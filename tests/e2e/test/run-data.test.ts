import { execFileSync } from 'node:child_process';
import { auditSchemaOf, deleteRunTopics, removeRunData } from '@provision/demo';
import { createKafkaFixture, type KafkaFixture, waitFor } from '@provision/testkit';
import { afterAll, describe, expect, it } from 'vitest';

// A stopped pipeline removes its run's data (`<runId>.…` topics, `<runId>:…` Redis keys, its audit
// schema), and no other run's: benchmarks, chaos runs and this suite left thousands of partitions
// and hundreds of thousands of keys on long-lived infrastructure.
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redis = (...args: string[]) => execFileSync('redis-cli', ['-u', REDIS_URL, ...args], { encoding: 'utf8' }).trim();
const sql = (query: string) => execFileSync('psql', [DATABASE_URL, '-Atqc', query], { encoding: 'utf8' }).trim();
const schemaExists = (schema: string) => sql(`SELECT count(*) FROM pg_namespace WHERE nspname = '${schema}'`) === '1';

describe('a run leaves nothing behind', () => {
  const fixtures: KafkaFixture[] = [];
  afterAll(async () => {
    for (const f of fixtures) await f.cleanup();
  });

  it("deletes every topic under the run's prefix and nothing else", async () => {
    const [run, other] = [await createKafkaFixture(), await createKafkaFixture()];
    fixtures.push(run, other);
    await run.createTopic({ name: 'provisioning.commands', partitions: 2 });
    await run.createTopic({ name: 'provisioning.commands.dlq' });
    await run.createTopic({ name: 'provisioning.commands.live' });
    await other.createTopic({ name: 'provisioning.commands' });

    expect(await deleteRunTopics(run.brokers, run.prefix)).toBe(3);
    await waitFor(async () => (await deleteRunTopics(run.brokers, run.prefix)) === 0, {
      message: "the run's topics gone",
      timeout: 15_000,
    });
    // The other run's topic is still there: deleting its prefix finds it.
    expect(await deleteRunTopics(other.brokers, other.prefix)).toBe(1);
  });

  it("removes the run's Redis keys and audit schema, and leaves another run's", async () => {
    const [run, other] = [await createKafkaFixture(), await createKafkaFixture()];
    fixtures.push(run, other);
    for (const id of [run.prefix, other.prefix]) {
      redis('set', `${id}:mapper:picture:u1`, 'x');
      redis('hset', `${id}:writer:links`, 'u1', 'sf1');
      sql(`CREATE SCHEMA ${auditSchemaOf(id)}; CREATE TABLE ${auditSchemaOf(id)}.log (id int)`);
    }
    await removeRunData(run.prefix, { KAFKA_BROKERS: run.brokers, REDIS_URL, DATABASE_URL });

    expect(redis('--scan', '--pattern', `${run.prefix}:*`)).toBe('');
    expect(schemaExists(auditSchemaOf(run.prefix))).toBe(false);
    expect(redis('get', `${other.prefix}:mapper:picture:u1`)).toBe('x');
    expect(schemaExists(auditSchemaOf(other.prefix))).toBe(true);

    await removeRunData(other.prefix, { KAFKA_BROKERS: other.brokers, REDIS_URL, DATABASE_URL });
    expect(redis('--scan', '--pattern', `${other.prefix}:*`)).toBe('');
    expect(schemaExists(auditSchemaOf(other.prefix))).toBe(false);
  });
});
