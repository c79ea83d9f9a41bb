import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { PartitionFence } from '@provision/kafka';
import type { Redis } from 'ioredis';

// Takes the hold when free, extends it when already ours; 1 when held, 0 when another holds it.
const HOLD = `
local owner = redis.call('GET', KEYS[1])
if owner == false or owner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`;

// Lets the hold go only if it is still ours (it may have lapsed and gone to another writer).
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/** Defaults: a writer that dies holding a partition keeps the next owner waiting at most 15 s. */
export const FENCE_HOLD_MS = 15_000;

/**
 * Which writer may work a partition of the commands topic: `<prefix>writer:fence:<group>:<topic>:<partition>`
 * holds the owning replica's id for `holdMs`, extended every third of it while the replica works the
 * partition. A replica that takes a partition from another waits until the other let it go (its work
 * in hand answered and committed) or died (the hold lapsed), so no command is written by two at once.
 */
export class RedisPartitionFence implements PartitionFence {
  readonly renewEveryMs: number;
  readonly owner: string;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #holdMs: number;

  constructor(redis: Redis, options: { prefix: string; groupId: string; holdMs?: number; owner?: string }) {
    this.#redis = redis;
    this.#prefix = `${options.prefix}writer:fence:${options.groupId}:`;
    this.#holdMs = options.holdMs ?? FENCE_HOLD_MS;
    this.renewEveryMs = Math.max(100, Math.floor(this.#holdMs / 3));
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID()}`;
  }

  async hold(topic: string, partition: number): Promise<boolean> {
    const held = await this.#redis.eval(HOLD, 1, this.#key(topic, partition), this.owner, String(this.#holdMs));
    return held === 1;
  }

  async release(topic: string, partition: number): Promise<void> {
    await this.#redis.eval(RELEASE, 1, this.#key(topic, partition), this.owner);
  }

  /** Who holds a partition now (for tests and the console), or null. */
  holder(topic: string, partition: number): Promise<string | null> {
    return this.#redis.get(this.#key(topic, partition));
  }

  #key(topic: string, partition: number): string {
    return `${this.#prefix}${topic}:${partition}`;
  }
}
