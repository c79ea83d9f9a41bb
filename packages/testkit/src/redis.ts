import { Redis } from 'ioredis';
import { infrastructure } from './infrastructure.ts';
import { uniqueSuffix } from './unique.ts';

/** One test's corner of Redis: a key prefix whose keys are deleted afterwards. */
export interface RedisFixture {
  /** The `REDIS_URL` value. */
  url: string;
  /** Every key of this test starts with it, e.g. `test:1a2b3c4d5e:`. */
  prefix: string;
  /** `prefix + name`. */
  key(name: string): string;
  /** Deletes every key under the prefix. */
  cleanup(): Promise<void>;
}

/** A Redis fixture on the test infrastructure; call `cleanup()` when the test ends. */
export async function createRedisFixture(): Promise<RedisFixture> {
  const { REDIS_URL } = await infrastructure();
  const prefix = `test:${uniqueSuffix()}:`;
  return {
    url: REDIS_URL,
    prefix,
    key: (name) => `${prefix}${name}`,
    async cleanup() {
      const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await client.connect();
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          cursor = next;
          if (keys.length > 0) await client.del(...keys);
        } while (cursor !== '0');
      } finally {
        client.disconnect();
      }
    },
  };
}
