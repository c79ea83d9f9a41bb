import { test } from '@provision/testkit/vitest';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { createRedisJobControlReader, createRedisQuarantineReader } from '../src/adapters/redis-quarantine-reader.ts';

test('reads the writer quarantine flag from Redis whatever shape the writer stores', async ({ redis }) => {
  const client = new Redis(redis.url);
  try {
    const reader = createRedisQuarantineReader(client, redis.prefix);
    const key = redis.key('writer:quarantine');
    expect(await reader.read()).toBeNull();
    // The writer's shape (services/writer RedisQuarantineStore).
    const state = {
      reason: 'Salesforce refused the credentials',
      code: 'PRV_SALESFORCE_AUTH_FAILED',
      since: '2026-11-26T11:30:00.000Z',
      consecutiveFailures: 12,
      nextAttemptAt: '2026-11-26T12:30:00.000Z',
    };
    await client.set(key, JSON.stringify(state));
    expect(await reader.read()).toEqual(state);
    await client.set(key, 'TooManyFailures');
    expect(await reader.read()).toEqual({ reason: 'TooManyFailures' });
    await client.del(key);
    await client.hset(key, { reason: 'SalesforceAuthFailed', failures: '12' });
    expect(await reader.read()).toEqual({ reason: 'SalesforceAuthFailed', failures: '12' });
  } finally {
    client.disconnect();
  }
});

test('reads the pause and the last quarantine clear the ingestor API writes', async ({ redis }) => {
  const client = new Redis(redis.url);
  try {
    const reader = createRedisJobControlReader(client, redis.prefix);
    expect(await reader.read()).toEqual({ paused: null, quarantineLastCleared: null });
    const by = { kind: 'user', id: 'oid-1', name: 'Provision Admin' };
    const pause = { since: '2026-11-26T12:00:00.000Z', by, reason: 'maintenance' };
    await client.set(redis.key('provisioning:paused'), JSON.stringify(pause));
    await client.hset(redis.key('writer:quarantine:cleared'), {
      count: '1',
      at: '2026-11-26T12:30:00.000Z',
      by: JSON.stringify(by),
    });
    expect(await reader.read()).toEqual({
      paused: pause,
      quarantineLastCleared: { at: '2026-11-26T12:30:00.000Z', by },
    });
  } finally {
    client.disconnect();
  }
});
