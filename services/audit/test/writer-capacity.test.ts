import { test } from '@provision/testkit/vitest';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
// The writer's own adapters write the keys, so this test fails when their format moves away from
// what the audit reads (the audit only reads them).
import { RedisConcurrencyLimiter } from '../../writer/src/adapters/redis-concurrency.ts';
import { RedisRateBudget } from '../../writer/src/adapters/redis-stores.ts';
import { DEFAULT_CONCURRENCY } from '../../writer/src/domain/concurrency.ts';
import { createRedisWriterCapacityReader } from '../src/adapters/redis-writer-capacity-reader.ts';

test("reads the writers' shared API budget and concurrency from the keys the writer keeps", async ({ redis }) => {
  const client = new Redis(redis.url);
  const limiter = new RedisConcurrencyLimiter(client, {
    prefix: redis.prefix,
    settings: { ...DEFAULT_CONCURRENCY, holdMs: 10_000 },
  });
  try {
    const reader = createRedisWriterCapacityReader(client, redis.prefix, 250);
    expect(await reader.read()).toEqual({
      budget: { usedThisWindow: 0, perMinute: 250, windowEndsInMs: null },
      concurrency: { limit: null, inFlight: 0 },
    });
    const budget = new RedisRateBudget(client, {
      prefix: redis.prefix,
      perMinute: 250,
      clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    });
    await budget.spend(3);
    await budget.spend(2);
    const slot = await limiter.acquire();
    const during = await reader.read();
    expect(during.budget.usedThisWindow).toBe(5);
    expect(during.budget.windowEndsInMs).toBeGreaterThan(0);
    expect(during.budget.windowEndsInMs).toBeLessThanOrEqual(60_000);
    expect(during.concurrency.inFlight).toBe(1);
    await slot.release({ write: true, records: 10, latencyMs: 100, lockedRecords: 0, concurrentLimit: false });
    const after = await reader.read();
    expect(after.concurrency.inFlight).toBe(0);
    expect(after.concurrency.limit).toBeGreaterThanOrEqual(1);
  } finally {
    await limiter.close();
    client.disconnect();
  }
});
