import { loadConfig, redisEnv, redisOptions } from '@provision/config';
import { systemClock } from '@provision/ports';
import { createRestrictedRedisUser, startTlsRedis } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { z } from 'zod';
import { RedisPartitionFence } from '../src/adapters/redis-partition-fence.ts';
import {
  RedisAnsweredCommands,
  RedisLinkStore,
  RedisQuarantineStore,
  RedisRateBudget,
} from '../src/adapters/redis-stores.ts';

const quarantine = {
  reason: 'INVALID_SESSION_ID',
  code: 'SalesforceAuthFailed',
  since: '2026-12-01T00:00:00.000Z',
  consecutiveFailures: 3,
  nextAttemptAt: '2026-12-01T00:01:00.000Z',
};

/** Every Redis store of the writer, used as the service uses them. */
async function exerciseStores(redis: Redis, prefix: string): Promise<void> {
  const links = new RedisLinkStore(redis, prefix);
  await links.setMany(new Map([['u1', '005000000000001']]));
  expect(await links.getMany(['u1', 'u2'])).toEqual(new Map([['u1', '005000000000001']]));
  await links.deleteMany(['u1']);
  const answered = new RedisAnsweredCommands(redis, prefix, 60);
  await answered.remember(['cmd-1', 'cmd-2']);
  expect(await answered.which(['cmd-0', 'cmd-1', 'cmd-2'])).toEqual(new Set(['cmd-1', 'cmd-2']));
  // Kept a while only: each expires.
  expect(await redis.ttl(`${prefix}writer:answered:cmd-1`)).toBeGreaterThan(0);
  const store = new RedisQuarantineStore(redis, prefix);
  await store.set(quarantine);
  expect(await store.get()).toEqual(quarantine);
  await store.clear();
  await new RedisRateBudget(redis, { prefix, perMinute: 600, clock: systemClock }).spend();
  const fence = new RedisPartitionFence(redis, { prefix, groupId: 'provision-writer' });
  expect(await fence.hold('provisioning.commands.v1', 0)).toBe(true);
  await fence.release('provisioning.commands.v1', 0);
}

describe('the writer with a Redis ACL user limited to its key prefix', () => {
  test('keeps its links, quarantine and rate budget, and cannot touch a key outside the prefix', async ({ redis }) => {
    const user = await createRestrictedRedisUser(redis.url, redis.prefix);
    const client = new Redis(user.url, { maxRetriesPerRequest: 1 });
    try {
      await exerciseStores(client, redis.prefix);
      await expect(client.set('someone-else:key', 'x')).rejects.toThrow(/NOPERM/);
      await expect(client.flushall()).rejects.toThrow(/NOPERM/);
    } finally {
      client.disconnect();
      await user.cleanup();
    }
  });

  test('refuses a wrong password', async ({ redis }) => {
    const user = await createRestrictedRedisUser(redis.url, redis.prefix);
    const url = new URL(user.url);
    url.password = 'wrong';
    const client = new Redis(url.toString(), { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const errors: Error[] = [];
    client.on('error', (e: Error) => errors.push(e));
    try {
      await expect(client.connect()).rejects.toThrow();
      expect(errors[0]?.message).toMatch(/^WRONGPASS/);
    } finally {
      client.disconnect();
      await user.cleanup();
    }
  });
});

describe('the writer over rediss:// with REDIS_TLS_CA_FILE', () => {
  test('connects through TLS trusting the configured CA, and not without it', async () => {
    const server = await startTlsRedis();
    try {
      const config = loadConfig(
        { schema: z.object(redisEnv()) },
        { REDIS_URL: server.url, REDIS_TLS_CA_FILE: server.caFile },
      );
      const client = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, ...redisOptions(config) });
      try {
        await exerciseStores(client, 'provision:');
      } finally {
        client.disconnect();
      }
      const untrusting = new Redis(server.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      const errors: Error[] = [];
      untrusting.on('error', (e: Error) => errors.push(e));
      try {
        await expect(untrusting.connect()).rejects.toThrow();
        expect(errors[0]?.message).toMatch(/self-signed certificate/);
      } finally {
        untrusting.disconnect();
      }
    } finally {
      await server.stop();
    }
  });
});
