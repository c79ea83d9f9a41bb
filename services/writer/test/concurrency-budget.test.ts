import { test } from '@provision/testkit/vitest';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { RedisConcurrencyLimiter } from '../src/adapters/redis-concurrency.ts';
import { type CallOutcome, type ConcurrencySettings, DEFAULT_CONCURRENCY } from '../src/domain/concurrency.ts';

const clean: CallOutcome = { write: true, records: 200, latencyMs: 100, lockedRecords: 0, concurrentLimit: false };

/** Two replicas of the writer, each with its own Redis connection, sharing one budget. */
function twoReplicas(redis: { url: string; prefix: string }, settings: ConcurrencySettings) {
  const clients = [new Redis(redis.url), new Redis(redis.url)] as const;
  const [a, b] = clients.map(
    (client) => new RedisConcurrencyLimiter(client, { prefix: redis.prefix, settings, pollMs: 5 }),
  ) as [RedisConcurrencyLimiter, RedisConcurrencyLimiter];
  const close = async () => {
    await Promise.all([a.close(), b.close()]);
    for (const c of clients) c.disconnect();
  };
  return { clients, a, b, close };
}

describe('RedisConcurrencyLimiter', () => {
  test('two replicas share one limit: together they never run more calls than it allows', async ({ redis }) => {
    const settings = { ...DEFAULT_CONCURRENCY, min: 1, max: 3, initial: 3 };
    const { clients, a, b, close } = twoReplicas(redis, settings);
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
      await close();
    }
  });

  test('urgent calls take a reserve of their own past the limit, for the fleet as a whole, and never past the maximum', async ({
    redis,
  }) => {
    const settings = { ...DEFAULT_CONCURRENCY, min: 1, max: 5, initial: 2, urgent: 2 };
    const { clients, a, b, close } = twoReplicas(redis, settings);
    const soon = <T>(p: Promise<T>) =>
      Promise.race([p.then(() => 'taken'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 150))]);
    try {
      const held = [await a.acquire(), await b.acquire()];
      // Every slot of the limit (2) is taken, and the limit was just cut to 1 (locked rows): the
      // sync holds more than the limit. A sync's call waits; live ones go all the same.
      await clients[0]!.hset(`${redis.prefix}writer:concurrency:state`, 'limit', '1');
      const bulk = a.acquire();
      expect(await soon(bulk)).toBe('waiting');
      const urgent = await b.acquire({ urgent: true });
      const second = await a.acquire({ urgent: true });
      // The reserve (2) is full for the whole fleet, one call from each replica: a third waits,
      // below the maximum (5) as it is.
      const third = b.acquire({ urgent: true });
      expect(await soon(third)).toBe('waiting');
      await urgent.release(clean);
      expect(await soon(third)).toBe('taken');
      await second.release(clean);
      await (await third).release(clean);
      expect(await clients[0]!.zcard(`${redis.prefix}writer:concurrency:urgent-leases`)).toBe(0);
      for (const slot of held) await slot.release(clean);
      await (await bulk).release(clean);
      // At the maximum (3) there is no slot past it, urgent or not.
      const limit = new RedisConcurrencyLimiter(clients[0]!, {
        prefix: `${redis.prefix}max:`,
        settings: { ...settings, max: 3, initial: 3 },
        pollMs: 5,
      });
      const full = [await limit.acquire(), await limit.acquire(), await limit.acquire()];
      const past = limit.acquire({ urgent: true });
      expect(await soon(past)).toBe('waiting');
      await full[0]!.release(clean);
      await (await past).release(clean);
      for (const slot of full.slice(1)) await slot.release(clean);
      await limit.close();
    } finally {
      await close();
    }
  });

  test('a replica that sees the concurrent limit halves the limit for the whole fleet', async ({ redis }) => {
    const settings = { ...DEFAULT_CONCURRENCY, min: 1, max: 8, initial: 8 };
    const { clients, a, b, close } = twoReplicas(redis, settings);
    try {
      const slot = await a.acquire();
      await slot.release({ ...clean, records: 0, concurrentLimit: true });
      const other = await b.acquire();
      expect(b.view().limit).toBe(4);
      await other.release(clean);
    } finally {
      await close();
    }
  });

  test('a replica sees the fastest write of the fleet, per record, once it hands a slot back, and keeps it through acquires', async ({
    redis,
  }) => {
    const settings = { ...DEFAULT_CONCURRENCY, min: 1, max: 8, initial: 4 };
    const { clients, a, b, close } = twoReplicas(redis, settings);
    try {
      await (await a.acquire()).release({ ...clean, write: true, records: 200, latencyMs: 3_400 });
      expect(a.view().msPerRecord).toBe(17);
      const slot = await b.acquire();
      // An acquire does not read the pace: b has not seen one yet.
      expect(b.view().msPerRecord ?? null).toBeNull();
      // b's write was slower: the fleet's fastest stays a's.
      await slot.release({ ...clean, write: true, records: 200, latencyMs: 5_000 });
      expect(b.view().msPerRecord).toBe(17);
      const again = await a.acquire();
      expect(a.view().msPerRecord).toBe(17);
      await again.release(clean);
    } finally {
      await close();
    }
  });
});
