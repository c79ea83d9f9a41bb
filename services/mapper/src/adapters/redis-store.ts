import type { Redis } from 'ioredis';
import type { GuardCounter } from '../domain/deactivation-guard.ts';
import type { UserPicture } from '../domain/picture.ts';
import type { PictureStore } from '../ports.ts';

/**
 * Pictures as one JSON value per user, plus a set of user ids per partition (for the end of a full
 * sync). Redis holds only what a full sync rebuilds.
 */
export class RedisPictureStore implements PictureStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
  }

  private userKey(id: string): string {
    return `${this.prefix}mapper:user:${id}`;
  }

  async load(userIds: readonly string[]): Promise<Map<string, UserPicture>> {
    const out = new Map<string, UserPicture>();
    if (userIds.length === 0) return out;
    const values = await this.redis.mget(userIds.map((id) => this.userKey(id)));
    values.forEach((v, i) => {
      if (v !== null) out.set(userIds[i]!, JSON.parse(v) as UserPicture);
    });
    return out;
  }

  async save(pictures: readonly UserPicture[], partition?: number): Promise<void> {
    if (pictures.length === 0) return;
    const pipeline = this.redis.multi();
    pipeline.mset(pictures.flatMap((p) => [this.userKey(p.id), JSON.stringify(p)]));
    if (partition !== undefined)
      pipeline.sadd(`${this.prefix}mapper:partition:${partition}`, ...pictures.map((p) => p.id));
    await pipeline.exec();
  }

  async *usersOf(partition: number, chunkSize: number): AsyncIterable<string[]> {
    let cursor = '0';
    do {
      const [next, ids] = await this.redis.sscan(
        `${this.prefix}mapper:partition:${partition}`,
        cursor,
        'COUNT',
        chunkSize,
      );
      cursor = next;
      if (ids.length > 0) yield ids;
    } while (cursor !== '0');
  }

  async fullSyncOf(partition: number): Promise<string | null> {
    return this.redis.get(`${this.prefix}mapper:fullsync:${partition}`);
  }

  async setFullSync(partition: number, syncId: string | null): Promise<void> {
    const key = `${this.prefix}mapper:fullsync:${partition}`;
    if (syncId === null) await this.redis.del(key);
    else await this.redis.set(key, syncId);
  }
}

/** The deactivation count of the current window, shared by every mapper replica. */
export class RedisGuardCounter implements GuardCounter {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
  }

  async add(n: number, windowMs: number): Promise<number> {
    const key = `${this.prefix}mapper:guard:window`;
    const [[, total] = []] = (await this.redis.multi().incrby(key, n).pexpire(key, windowMs, 'NX').exec()) ?? [];
    return Number(total);
  }

  async stage(userIds: readonly string[]): Promise<void> {
    if (userIds.length > 0) await this.redis.sadd(`${this.prefix}mapper:guard:staged`, ...userIds);
  }

  async staged(): Promise<string[]> {
    return this.redis.smembers(`${this.prefix}mapper:guard:staged`);
  }

  async release(): Promise<string[]> {
    const key = `${this.prefix}mapper:guard:staged`;
    const [[, ids] = []] = (await this.redis.multi().smembers(key).del(key).exec()) ?? [];
    return (ids as string[] | undefined) ?? [];
  }
}
