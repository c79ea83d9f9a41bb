import { test } from '@provision/testkit/vitest';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { RedisConcurrencyLimiter } from '../src/adapters/redis-concurrency.ts';
import { type CallOutcome, DEFAULT_CONCURRENCY } from '../src/domain/concurrency.ts';

const clean: CallOutcome = { write: true, records: 200, latencyMs: 100, lockedRecords: 0, concurrentLimit: false };

describe('RedisConcurrencyLimiter', () => {
  test('two replicas share one limit: together they never run more calls than it allows', async ({ redis }) => {
    const clients = [new Redis(redis.url), new Redis(redis.url)];
    const settings = { ...DEFAULT_CONCURRENCY, min: 1, max: 3, initial: 3 };
    const [a, b] = clients.map(
      (client) => new RedisConcurrencyLimiter(client, { prefix: redis.prefix, settings, pollMs: 5 }),
    ) as [RedisConcurrencyLimiter, RedisConcurrencyLimiter];
    try {
      let running = 0;
      let most = 0;
      const call = async (limiter: RedisConcurrencyLimiter) => {
        const slot = await limiter.acquire();
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 15));
        running--;
        await slot.release(clean);
      };
      await Promise.all(Array.from({ length: 12 }, (_, i) => call(i % 2 === 0 ? a : b)));
      expect(most).toBe(3);
      expect(await clients[0]!.zcard(`${redis.prefix}writer:concurrency:leases`)).toBe(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
      for (const c of clients) c.disconnect();
    }
  });

  test('a replica that sees the concurrent limit halves the limit for the whole fleet', async ({ redis }) => {
    const clients = [new Redis(redis.url), new Redis(redis.url)];
    const settings = { ...DEFAULT_CONCURRENCY, min: 1, max: 8, initial: 8 };
    const [a, b] = clients.map(
      (client) => new RedisConcurrencyLimiter(client, { prefix: redis.prefix, settings, pollMs: 5 }),
    ) as [RedisConcurrencyLimiter, RedisConcurrencyLimiter];
    try {
      const slot = await a.acquire();
      await slot.release({ ...clean, records: 0, concurrentLimit: true });
      const other = await b.acquire();
      expect(b.view().limit).toBe(4);
      await other.release(clean);
    } finally {
      await Promise.all([a.close(), b.close()]);
      for (const c of clients) c.disconnect();
    }
  });
});
