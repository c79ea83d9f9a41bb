import { test } from '@provision/testkit/vitest';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { RedisDeactivationSchedule } from '../src/adapters/redis-stores.ts';

test('keeps deactivation deadlines per partition by due time, and takes off only entries still due', async ({
  redis,
}) => {
  const client = new Redis(redis.url);
  try {
    const schedule = new RedisDeactivationSchedule(client, redis.prefix);
    await schedule.schedule(0, [
      { userId: 'u2', dueMs: 2_000 },
      { userId: 'u1', dueMs: 1_000 },
      { userId: 'u3', dueMs: 9_000 },
    ]);
    await schedule.schedule(1, [{ userId: 'v1', dueMs: 500 }]);
    expect(await schedule.due(0, 2_000, 10)).toEqual(['u1', 'u2']);
    expect(await schedule.due(0, 2_000, 1)).toEqual(['u1']);
    // u2 was rescheduled (frozen again, or a longer deactivateAfterDays) while being swept: it stays.
    await schedule.schedule(0, [{ userId: 'u2', dueMs: 5_000 }]);
    await schedule.removeDue(0, ['u1', 'u2'], 2_000);
    expect(await schedule.due(0, 10_000, 10)).toEqual(['u2', 'u3']);
    expect(await schedule.due(1, 10_000, 10)).toEqual(['v1']);
  } finally {
    client.disconnect();
  }
});
