import { test } from '@provision/testkit/vitest';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { RedisRateBudget } from '../src/adapters/redis-stores.ts';
import { systemClock } from '../src/adapters/system-clock.ts';

describe('RedisRateBudget', () => {
  test('two replicas share one budget: the call past it waits for the next window instead of failing', async ({
    redis,
  }) => {
    const clients = [new Redis(redis.url), new Redis(redis.url)];
    try {
      // 120 per minute over a 1-second window: 2 calls per second for everyone together.
      const [a, b] = clients.map(
        (client) =>
          new RedisRateBudget(client, { prefix: redis.prefix, perMinute: 120, clock: systemClock, windowSeconds: 1 }),
      ) as [RedisRateBudget, RedisRateBudget];
      const started = Date.now();
      await a.spend();
      await b.spend();
      const firstWindow = Date.now() - started;
      await a.spend();
      const waited = Date.now() - started;
      expect(firstWindow).toBeLessThan(500);
      expect(waited).toBeGreaterThanOrEqual(500);
      expect(waited).toBeLessThan(3_000);
    } finally {
      for (const c of clients) c.disconnect();
    }
  });
});
