import { test as base } from 'vitest';
import { createKafkaFixture } from './kafka.ts';
import { createPostgresFixture } from './postgres.ts';
import { createRedisFixture } from './redis.ts';

/**
 * Vitest's `test` with `kafka`, `redis` and `postgres` fixtures: each test that names one gets its
 * own topics and groups, key prefix, or schema, removed when the test ends.
 *
 * ```ts
 * import { test } from '@provision/testkit/vitest';
 * test('publishes a command', async ({ kafka }) => { const topic = await kafka.createTopic({ partitions: 3 }); … });
 * ```
 */
export const test = base
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern.
  .extend('kafka', async ({}, { onCleanup }) => {
    const fixture = await createKafkaFixture();
    onCleanup(() => fixture.cleanup());
    return fixture;
  })
  // biome-ignore lint/correctness/noEmptyPattern: as above.
  .extend('redis', async ({}, { onCleanup }) => {
    const fixture = await createRedisFixture();
    onCleanup(() => fixture.cleanup());
    return fixture;
  })
  // biome-ignore lint/correctness/noEmptyPattern: as above.
  .extend('postgres', async ({}, { onCleanup }) => {
    const fixture = await createPostgresFixture();
    onCleanup(() => fixture.cleanup());
    return fixture;
  });

export const it = test;
