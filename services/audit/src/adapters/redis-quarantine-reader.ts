import type { Redis } from 'ioredis';
import type { QuarantineReader } from '../ports.ts';

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
