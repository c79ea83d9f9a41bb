import type { Redis } from 'ioredis';
import type { JobControlReader, QuarantineReader } from '../domain/ports.ts';

/**
 * Reads the writer's quarantine flag, `${REDIS_PREFIX}writer:quarantine`. The writer owns its
 * shape; a JSON string, a plain string or a hash are all shown as they are. No key: not quarantined.
 */
export function createRedisQuarantineReader(redis: Redis, prefix: string): QuarantineReader {
  const key = `${prefix}writer:quarantine`;
  return {
    async read() {
      const type = await redis.type(key);
      if (type === 'none') return null;
      if (type === 'hash') return { ...(await redis.hgetall(key)) };
      const value = await redis.get(key);
      if (value === null) return null;
      try {
        const parsed: unknown = JSON.parse(value);
        return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : { value: parsed };
      } catch {
        return { reason: value };
      }
    },
  };
}

/**
 * Reads the job's switches the ingestor's API writes: `${REDIS_PREFIX}provisioning:paused` (JSON)
 * and the last clear of the writers' quarantine, `${REDIS_PREFIX}writer:quarantine:cleared` (hash).
 */
export function createRedisJobControlReader(redis: Redis, prefix: string): JobControlReader {
  const parse = (raw: string): unknown => {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  };
  return {
    async read() {
      const [paused, [at, by]] = await Promise.all([
        redis.get(`${prefix}provisioning:paused`),
        redis.hmget(`${prefix}writer:quarantine:cleared`, 'at', 'by'),
      ]);
      const pause = paused === null ? null : parse(paused);
      return {
        paused:
          pause === null ? null : typeof pause === 'object' ? (pause as Record<string, unknown>) : { reason: pause },
        quarantineLastCleared: at ? { at, by: by ? parse(by) : null } : null,
      };
    },
  };
}
