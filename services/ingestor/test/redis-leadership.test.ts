import { setTimeout as sleep } from 'node:timers/promises';
import { test } from '@provision/testkit/vitest';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { RedisLeaderLease, RedisTriggerRelay } from '../src/adapters/redis-leadership.ts';
import { RedisSyncState } from '../src/adapters/redis-sync-state.ts';
import { FencedOut } from '../src/domain/leadership.ts';

const TTL_MS = 300;

describe('the leader lease and its fence in Redis', () => {
  test('one holder at a time; a deposed leader that wakes late cannot write the sync state; tokens only grow', async ({
    redis: fixture,
  }) => {
    const redis = new Redis(fixture.url);
    try {
      const a = new RedisLeaderLease(redis, fixture.prefix, { holder: 'pod-a/1', ttlMs: TTL_MS });
      const b = new RedisLeaderLease(redis, fixture.prefix, { holder: 'pod-b/1', ttlMs: TTL_MS });
      // Each replica's state writes with the token it believes it holds (as the service passes it).
      let tokenA: string | undefined;
      let tokenB: string | undefined;
      const stateA = new RedisSyncState(redis, fixture.prefix, { fence: { key: a.fenceKey, token: () => tokenA } });
      const stateB = new RedisSyncState(redis, fixture.prefix, { fence: { key: b.fenceKey, token: () => tokenB } });

      tokenA = await a.acquire();
      expect(tokenA).toMatch(/^\d+$/);
      expect(await b.acquire()).toBeUndefined();
      expect(await a.acquire()).toBe(tokenA);
      expect(await a.renew()).toBe(true);
      await stateA.beginRound('full-a');
      await stateA.addMembers('g1', ['u1', 'u2']);
      expect(await stateA.saveCursors({ users: 'users-a', groups: 'groups-a' }, 'full-a')).toBe(true);

      // A freezes past its lease (a long pause): B takes over with a greater token.
      await sleep(TTL_MS + 100);
      tokenB = await b.acquire();
      expect(BigInt(tokenB!)).toBeGreaterThan(BigInt(tokenA!));
      expect(await b.holder()).toEqual({ holder: 'pod-b/1', token: tokenB });
      await stateB.beginRound('full-b');
      await stateB.addMembers('g1', ['u3']);

      // A wakes and carries on with its round: every write is refused, nothing of B's is touched.
      await expect(stateA.saveCursors({ users: 'users-late', groups: 'groups-late' }, 'full-b')).rejects.toThrow(
        FencedOut,
      );
      await expect(stateA.beginRound('full-late')).rejects.toThrow(FencedOut);
      await expect(stateA.addMembers('g1', ['intruder'])).rejects.toThrow(FencedOut);
      await expect(stateA.removeMembers('g1', ['u1'])).rejects.toThrow(FencedOut);
      await expect(stateA.dropGroup('g1')).rejects.toThrow(FencedOut);
      await expect(stateA.clearCursors()).rejects.toThrow(FencedOut);
      await expect(stateA.stageMembers('full-late', 'g1', ['intruder'])).rejects.toThrow(FencedOut);
      await expect(stateA.commitStaged('full-late', 'g1')).rejects.toThrow(FencedOut);
      await expect(
        stateA.recordTentativeAssignments([{ id: 'x', principalId: 'u1', principalType: 'User', appRoleId: 'r' }]),
      ).rejects.toThrow(FencedOut);
      await expect(stateA.updateAssignmentSnapshot([], ['x'])).rejects.toThrow(FencedOut);
      await expect(stateA.save('users', 'sub-late')).rejects.toThrow(FencedOut);
      expect(await a.renew()).toBe(false);
      expect(await stateB.cursors()).toEqual({ users: 'users-a', groups: 'groups-a' });
      expect([...(await stateB.groupMembers('g1'))].sort()).toEqual(['u1', 'u2', 'u3']);
      expect(await stateB.saveCursors({ users: 'users-b', groups: 'groups-b' }, 'full-b')).toBe(true);
      expect(await stateB.cursors()).toEqual({ users: 'users-b', groups: 'groups-b' });

      // Not the leader at all (no token): refused before Redis is asked.
      tokenA = undefined;
      await expect(stateA.beginRound('none')).rejects.toThrow(FencedOut);

      // Released on shutdown: the other replica takes it at once, with a greater token.
      await b.release();
      const tokenA2 = await a.acquire();
      expect(BigInt(tokenA2!)).toBeGreaterThan(BigInt(tokenB!));

      // The counter lost with Redis's data (a flush) does not hand out an old token again: a new
      // one is at least Redis's clock in milliseconds, past every token handed out before that millisecond.
      await a.release();
      await redis.del(a.fenceKey);
      await sleep(2);
      const afterFlush = await b.acquire();
      expect(BigInt(afterFlush!)).toBeGreaterThan(BigInt(tokenA2!));
    } finally {
      redis.disconnect();
    }
  });

  test('a leader whose fence was lost (the counter deleted) stops renewing and takes a new, greater token', async ({
    redis: fixture,
  }) => {
    const redis = new Redis(fixture.url);
    try {
      const a = new RedisLeaderLease(redis, fixture.prefix, { holder: 'pod-a/1', ttlMs: 60_000 });
      const first = await a.acquire();
      await redis.del(a.fenceKey);
      expect(await a.renew()).toBe(false);
      await sleep(2);
      const second = await a.acquire();
      expect(BigInt(second!)).toBeGreaterThan(BigInt(first!));
      expect(await a.renew()).toBe(true);
      const state = new RedisSyncState(redis, fixture.prefix, { fence: { key: a.fenceKey, token: () => second } });
      await state.beginRound('after-loss');
    } finally {
      redis.disconnect();
    }
  });

  test('without a fence (one replica, no election) the state writes as before', async ({ redis: fixture }) => {
    const redis = new Redis(fixture.url);
    try {
      const state = new RedisSyncState(redis, fixture.prefix);
      await state.beginRound('r1');
      expect(await state.saveCursors({ users: 'u', groups: 'g' }, 'r1')).toBe(true);
      expect(await state.cursors()).toEqual({ users: 'u', groups: 'g' });
    } finally {
      redis.disconnect();
    }
  });

  test('triggers forwarded by standbys are drained once, in order, by the leader', async ({ redis: fixture }) => {
    const redis = new Redis(fixture.url);
    try {
      const standby = new RedisTriggerRelay(redis, fixture.prefix);
      const leader = new RedisTriggerRelay(redis, fixture.prefix);
      await standby.forward('round:notification');
      await standby.forward('lifecycle:subscriptionRemoved:sub-1');
      expect(await leader.drain()).toEqual(['round:notification', 'lifecycle:subscriptionRemoved:sub-1']);
      expect(await leader.drain()).toEqual([]);
      for (let i = 0; i < 150; i++) await standby.forward(`round:n${i}`);
      const kept = await leader.drain();
      expect(kept).toHaveLength(100);
      expect(kept.at(-1)).toBe('round:n149');
    } finally {
      redis.disconnect();
    }
  });
});
