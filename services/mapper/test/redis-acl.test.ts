import { createRestrictedRedisUser } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { RedisDeactivationGuardStore, RedisFailureStore, RedisPictureStore } from '../src/adapters/redis-stores.ts';
import type { UserPicture } from '../src/domain/picture.ts';

test('the mapper keeps pictures, the guard and failures with a Redis ACL user limited to its key prefix', async ({
  redis,
}) => {
  const user = await createRestrictedRedisUser(redis.url, redis.prefix);
  const client = new Redis(user.url, { maxRetriesPerRequest: 1 });
  try {
    const pictures = new RedisPictureStore(client, redis.prefix);
    const picture = { id: 'u1' } as unknown as UserPicture;
    await pictures.save([picture], 0);
    expect(await pictures.load(['u1'])).toEqual(new Map([['u1', picture]]));
    const listed: string[] = [];
    for await (const ids of pictures.usersOf(0, 10)) listed.push(...ids);
    expect(listed).toEqual(['u1']);
    await pictures.setFullSync(0, 'sync-1');
    expect(await pictures.fullSyncOf(0)).toBe('sync-1');

    const guard = new RedisDeactivationGuardStore(client, redis.prefix);
    expect(await guard.add(2, 60_000)).toBe(2);
    await guard.stage(['u1', 'u2']);
    expect((await guard.release()).sort()).toEqual(['u1', 'u2']);

    const failures = new RedisFailureStore(client, redis.prefix);
    const failed = {
      userId: 'u1',
      partition: 0,
      commandId: 'c1',
      code: 'X',
      retriable: false,
      at: '2026-12-01T00:00:00Z',
    };
    await failures.record([failed], () => 0, 1_000);
    expect(await failures.due(0, 1_000, 10)).toEqual(['u1']);
    await failures.succeeded([{ userId: 'u1', partition: 0 }]);

    await expect(client.get('provision:mapper:user:u1')).rejects.toThrow(/NOPERM/);
  } finally {
    client.disconnect();
    await user.cleanup();
  }
});
