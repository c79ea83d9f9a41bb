import { test } from '@provision/testkit/vitest';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { RedisSyncState } from '../src/adapters/redis-sync-state.ts';

describe('RedisSyncState', () => {
  test('keeps cursors, the group index, full-sync staging and the assignment snapshot under its prefix', async ({
    redis: fixture,
  }) => {
    const redis = new Redis(fixture.url);
    try {
      const state = new RedisSyncState(redis, fixture.prefix);
      expect(await state.cursors()).toEqual({});
      await state.beginRound('incr-1');
      const cursors = {
        users: 'https://graph/users/delta?$deltatoken=a',
        groups: 'https://graph/groups/delta?$deltatoken=b',
      };
      // Another round began since (or the state was flushed): this one's cursors are not kept.
      expect(await state.saveCursors(cursors, 'incr-0')).toBe(false);
      expect(await state.cursors()).toEqual({});
      expect(await state.saveCursors(cursors, 'incr-1')).toBe(true);
      expect(await state.cursors()).toEqual({
        users: 'https://graph/users/delta?$deltatoken=a',
        groups: 'https://graph/groups/delta?$deltatoken=b',
      });

      const many = Array.from({ length: 12_000 }, (_, i) => `u${i}`);
      await state.addMembers('g1', many);
      await state.removeMembers('g1', ['u0', 'u1']);
      expect((await state.groupMembers('g1')).length).toBe(11_998);
      await state.addMembers('g2', ['u1']);
      expect(await state.groupsOf('u1')).toEqual(['g2']);

      // A full round sees g1 with u2..u4 and u99999 only.
      await state.stageMembers('full-1', 'g1', ['u2', 'u3']);
      await state.stageMembers('full-1', 'g1', ['u4', 'u99999']);
      const stale = await state.staleMembers('full-1', 'g1');
      expect(stale).toHaveLength(11_998 - 3);
      await state.commitStaged('full-1', 'g1');
      expect([...(await state.groupMembers('g1'))].sort()).toEqual(['u2', 'u3', 'u4', 'u99999']);
      // A group seen without members ends up empty.
      await state.commitStaged('full-1', 'g2');
      expect(await state.groupMembers('g2')).toEqual([]);
      expect([...(await state.knownGroups())].sort()).toEqual(['g1', 'g2']);
      expect(await state.dropGroup('g1')).toHaveLength(4);
      expect(await state.knownGroups()).toEqual(['g2']);

      await state.updateAssignmentSnapshot(
        [
          { id: 'a1', principalId: 'u1', principalType: 'User', appRoleId: 'r1' },
          { id: 'a2', principalId: 'g2', principalType: 'Group', appRoleId: 'r2' },
        ],
        [],
      );
      await state.updateAssignmentSnapshot([], ['a1']);
      expect([...(await state.assignmentSnapshot()).values()]).toEqual([
        { id: 'a2', principalId: 'g2', principalType: 'Group', appRoleId: 'r2' },
      ]);

      await state.save('users', 'sub-1');
      expect(await state.load()).toEqual({ users: 'sub-1' });
      const keys = await redis.keys(`${fixture.prefix}*`);
      expect(keys.every((k) => k.startsWith(`${fixture.prefix}ingestor:`))).toBe(true);
      await state.clearCursors();
      expect(await state.cursors()).toEqual({});
    } finally {
      redis.disconnect();
    }
  });
});
