import { test } from '@provision/testkit/vitest';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { RedisJobControl } from '../src/adapters/redis-job-control.ts';
import { RedisSyncState } from '../src/adapters/redis-sync-state.ts';

const ADMIN = { kind: 'user' as const, id: 'oid-1', name: 'Provision Admin' };

describe('RedisJobControl and a restart on Redis', () => {
  test('pauses once (who, since, why), resumes, and clears the quarantine by counting the clears the writers read', async ({
    redis: fixture,
  }) => {
    const redis = new Redis(fixture.url);
    try {
      const control = new RedisJobControl(redis, fixture.prefix);
      expect(await control.paused()).toBeNull();
      const pause = { since: '2026-11-26T12:00:00.000Z', by: ADMIN, reason: 'maintenance' };
      expect(await control.pause(pause)).toEqual(pause);
      expect(await control.pause({ ...pause, since: '2026-11-26T13:00:00.000Z', reason: null })).toEqual(pause);
      expect(JSON.parse((await redis.get(`${fixture.prefix}provisioning:paused`))!)).toEqual(pause);
      expect(await control.resume()).toEqual(pause);
      expect(await control.resume()).toBeNull();

      await redis.set(`${fixture.prefix}writer:quarantine`, JSON.stringify({ reason: 'INVALID_LOGIN' }));
      expect(await control.clearQuarantine('2026-11-26T12:30:00.000Z', ADMIN)).toEqual({ reason: 'INVALID_LOGIN' });
      expect(await redis.exists(`${fixture.prefix}writer:quarantine`)).toBe(0);
      expect(await control.clearQuarantine('2026-11-26T12:31:00.000Z', ADMIN)).toBeNull();
      expect(await redis.hgetall(`${fixture.prefix}writer:quarantine:cleared`)).toEqual({
        count: '2',
        at: '2026-11-26T12:31:00.000Z',
        by: JSON.stringify(ADMIN),
      });
    } finally {
      redis.disconnect();
    }
  });

  test('a restart forgets the cursors, the assignment snapshot and the round mark, and keeps the group index and subscriptions', async ({
    redis: fixture,
  }) => {
    const redis = new Redis(fixture.url);
    try {
      const state = new RedisSyncState(redis, fixture.prefix);
      await state.beginRound('incr-1');
      await state.saveCursors({ users: 'u-link', groups: 'g-link' }, 'incr-1');
      await state.updateAssignmentSnapshot(
        [{ id: 'a1', principalId: 'u1', principalType: 'User', appRoleId: 'r' }],
        [],
      );
      await state.addMembers('g1', ['u1']);
      await state.save('users', 'sub-1');
      await state.beginRound('incr-2');

      await state.discardWatermarks();
      expect(await state.cursors()).toEqual({});
      expect((await state.assignmentSnapshot()).size).toBe(0);
      // The round that was running when the restart came saves no cursor.
      expect(await state.saveCursors({ users: 'late', groups: 'late' }, 'incr-2')).toBe(false);
      expect(await state.groupMembers('g1')).toEqual(['u1']);
      expect(await state.load()).toEqual({ users: 'sub-1' });
    } finally {
      redis.disconnect();
    }
  });
});
