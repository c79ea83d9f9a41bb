import { createRestrictedRedisUser } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { RedisSyncState } from '../src/adapters/redis-sync-state.ts';

test('the ingestor keeps cursors, groups and subscriptions with a Redis ACL user limited to its key prefix', async ({
  redis,
}) => {
  const user = await createRestrictedRedisUser(redis.url, redis.prefix);
  const client = new Redis(user.url, { maxRetriesPerRequest: 1 });
  try {
    const state = new RedisSyncState(client, redis.prefix);
    await state.beginRound('round-1');
    expect(await state.saveCursors({ users: 'u-cursor', groups: 'g-cursor' }, 'round-1')).toBe(true);
    expect(await state.cursors()).toEqual({ users: 'u-cursor', groups: 'g-cursor' });
    await state.addMembers('g1', ['u1', 'u2']);
    expect([...(await state.groupMembers('g1'))].sort()).toEqual(['u1', 'u2']);
    expect(await state.groupsOf('u1')).toEqual(['g1']);
    await state.save('users', 'subscription-1');
    expect(await state.load()).toEqual({ users: 'subscription-1' });
    await state.clearCursors();
    await expect(client.get('provision:ingestor:cursor')).rejects.toThrow(/NOPERM/);
  } finally {
    client.disconnect();
    await user.cleanup();
  }
});
