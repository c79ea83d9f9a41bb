import { systemClock } from '@provision/ports';
import { test } from '@provision/testkit/vitest';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { RedisRateBudget } from '../src/adapters/redis-stores.ts';

describe('RedisRateBudget', () => {
  test('two replicas share one budget: the call past it waits for the next window instead of failing', async ({
    redis,
  }) => {
    const clients = [new Redis(redis.url), new Redis(redis.url)];
    try {
      // 120 per minute over a 1-second window: 2 calls per second for everyone together. The
      // clock records each wait the budget asks for (and waits it: Redis's window is real time).
      const waits: number[] = [];
      const clock = {
        now: systemClock.now,
        sleep: (ms: number) => {
          waits.push(ms);
          return systemClock.sleep(ms);
        },
      };
      const [a, b] = clients.map(
        (client) => new RedisRateBudget(client, { prefix: redis.prefix, perMinute: 120, clock, windowSeconds: 1 }),
      ) as [RedisRateBudget, RedisRateBudget];
      await a.spend();
      await b.spend();
      expect(waits).toEqual([]);
      await a.spend();
      expect(waits.length).toBeGreaterThanOrEqual(1);
      expect(waits[0]).toBeGreaterThan(0);
      expect(waits[0]).toBeLessThanOrEqual(1000);
    } finally {
      for (const c of clients) c.disconnect();
    }
  });
});
