import type { Redis } from 'ioredis';
import type { WriterCapacity, WriterCapacityReader } from '../http/console-api.ts';

/**
 * Reads what the writers share in Redis, without changing it (the writer owns these keys):
 * - `${prefix}writer:budget:salesforce` — the Salesforce API calls spent in the current one-minute
 *   window by the whole fleet (rate-limiter-flexible's counter; its TTL is what is left of the window);
 * - `${prefix}writer:concurrency:state` (`limit`) and `…:leases` (a sorted set of the calls running,
 *   scored by their expiry) — the fleet's adaptive concurrency limit and its calls in flight.
 * `perMinute` is the writers' SALESFORCE_API_BUDGET_PER_MINUTE when the audit is told it.
 */
export function createRedisWriterCapacityReader(
  redis: Redis,
  prefix: string,
  perMinute: number | null,
): WriterCapacityReader {
  const budget = `${prefix}writer:budget:salesforce`;
  const state = `${prefix}writer:concurrency:state`;
  const leases = `${prefix}writer:concurrency:leases`;
  return {
    async read(): Promise<WriterCapacity> {
      const [used, ttl, limit, inFlight] = await Promise.all([
        redis.get(budget),
        redis.pttl(budget),
        redis.hget(state, 'limit'),
        redis.zcount(leases, `(${Date.now()}`, '+inf'),
      ]);
      return {
        budget: {
          usedThisWindow: used === null ? 0 : Number(used),
          perMinute,
          windowEndsInMs: ttl > 0 ? ttl : null,
        },
        concurrency: { limit: limit === null || limit === '' ? null : Number(limit), inFlight },
      };
    },
  };
}
