import { defaultMappingConfig } from '@provision/mapping';
import { test } from '@provision/testkit/vitest';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { RedisMappingStateStore } from '../src/adapters/redis-stores.ts';

test("keeps each partition's applied mapping, the mappings by fingerprint and the last change, a redone partition counted once", async ({
  redis,
}) => {
  const client = new Redis(redis.url);
  try {
    const state = new RedisMappingStateStore(client, redis.prefix);
    expect(await state.applied(0)).toBeNull();
    expect(await state.lastChange()).toBeNull();
    const applied = {
      fingerprint: 'aaaa',
      appliedAt: '2026-11-26T10:00:00.000Z',
      loadedAt: '2026-11-26T09:00:00.000Z',
    };
    await state.setApplied(0, applied);
    expect(await state.applied(0)).toEqual(applied);
    expect(await state.applied(1)).toBeNull();
    await state.saveConfig('aaaa', defaultMappingConfig());
    expect(await state.config('aaaa')).toEqual(defaultMappingConfig());
    expect(await state.config('bbbb')).toBeNull();

    const change = {
      fingerprint: 'bbbb',
      previous: 'aaaa',
      changeId: 'mapping-bbbb',
      summary: 'attribute mappings: added Title',
      changes: [{ kind: 'mapping' as const, key: 'Title', change: 'added' as const }],
      startedAt: '2026-11-26T11:00:00.000Z',
    };
    await state.recordChange(change, { partition: 1, reevaluated: 10, commands: { update: 2 }, at: 'x' });
    // Partition 1 redone after a crash: its share is replaced, not added; the first summary stays.
    await state.recordChange(
      { ...change, startedAt: '2026-11-26T12:00:00.000Z' },
      { partition: 1, reevaluated: 10, commands: {}, at: 'y' },
    );
    await state.recordChange(change, { partition: 0, reevaluated: 5, commands: { disable: 1 }, at: 'z' });
    expect(await state.lastChange()).toEqual({
      ...change,
      partitions: [
        { partition: 0, reevaluated: 5, commands: { disable: 1 }, at: 'z' },
        { partition: 1, reevaluated: 10, commands: {}, at: 'y' },
      ],
    });
  } finally {
    client.disconnect();
  }
});
