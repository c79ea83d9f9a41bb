import { setTimeout as sleep } from 'node:timers/promises';
import { test } from '@provision/testkit/vitest';
import { Redis } from 'ioredis';
import { afterEach, describe, expect } from 'vitest';
import { RedisPartitionFence } from '../src/adapters/redis-partition-fence.ts';

const clients: Redis[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
});

describe('the writers’ partition fence in Redis', () => {
  test('one writer holds a partition; another gets it once it is let go or lapses', async ({ redis }) => {
    const client = new Redis(redis.url);
    clients.push(client);
    const fence = (owner: string, holdMs = 10_000) =>
      new RedisPartitionFence(client, { prefix: redis.prefix, groupId: 'g', owner, holdMs });
    const a = fence('a');
    const b = fence('b');
    expect(await a.hold('commands', 0)).toBe(true);
    expect(await b.hold('commands', 0)).toBe(false);
    // Another partition is another fence.
    expect(await b.hold('commands', 1)).toBe(true);
    // Extending its own hold; letting go of one it does not hold changes nothing.
    expect(await a.hold('commands', 0)).toBe(true);
    await b.release('commands', 0);
    expect(await a.holder('commands', 0)).toBe('a');
    await a.release('commands', 0);
    expect(await b.hold('commands', 0)).toBe(true);

    // A writer that dies holding a partition: its hold lapses.
    const dying = fence('dying', 300);
    expect(await dying.hold('commands', 2)).toBe(true);
    expect(await a.hold('commands', 2)).toBe(false);
    await sleep(450);
    expect(await a.hold('commands', 2)).toBe(true);
    expect(dying.renewEveryMs).toBe(100);
    expect(await client.pttl(`${redis.prefix}writer:fence:g:commands:2`)).toBeGreaterThan(5_000);
  });
});
