import { test } from '@provision/testkit/vitest';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { RedisJobControl } from '../src/adapters/redis-stores.ts';

const ADMIN = { kind: 'user', id: 'oid-1', name: 'Provision Admin' };

describe('RedisJobControl (the writer reads what the ingestor API writes)', () => {
  test('reads the pause and the count of quarantine clears, with who cleared last', async ({ redis: fixture }) => {
    const redis = new Redis(fixture.url);
    try {
      const control = new RedisJobControl(redis, fixture.prefix);
      expect(await control.read()).toEqual({ paused: null, quarantineClears: 0, lastClear: null });
      const pause = { since: '2026-11-26T12:00:00.000Z', by: ADMIN, reason: null };
      await redis.set(`${fixture.prefix}provisioning:paused`, JSON.stringify(pause));
      await redis.hincrby(`${fixture.prefix}writer:quarantine:cleared`, 'count', 1);
      await redis.hset(
        `${fixture.prefix}writer:quarantine:cleared`,
        'at',
        '2026-11-26T12:30:00.000Z',
        'by',
        JSON.stringify(ADMIN),
      );
      expect(await control.read()).toEqual({
        paused: pause,
        quarantineClears: 1,
        lastClear: { at: '2026-11-26T12:30:00.000Z', by: ADMIN },
      });
    } finally {
      redis.disconnect();
    }
  });
});
