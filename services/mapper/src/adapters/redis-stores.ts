import type { MappingConfig } from '@provision/mapping';
import type { Redis } from 'ioredis';
import type { Failure, UserPicture } from '../domain/picture.ts';
import type {
  AnswerStore,
  AppliedMapping,
  DeactivationGuardStore,
  DeactivationSchedule,
  FailedResult,
  FailureStore,
  MappingChange,
  MappingStateStore,
  PartitionReevaluation,
  PictureStore,
} from '../domain/ports.ts';

/** The values of `ids`' keys that Redis holds, by id (one MGET). */
async function valuesOf(
  redis: Redis,
  ids: readonly string[],
  keyOf: (id: string) => string,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (ids.length === 0) return out;
  const values = await redis.mget(ids.map(keyOf));
  values.forEach((v, i) => {
    if (v !== null) out.set(ids[i]!, v);
  });
  return out;
}

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
    const raw = await valuesOf(this.redis, userIds, (id) => this.userKey(id));
    return new Map([...raw].map(([id, v]) => [id, JSON.parse(v) as UserPicture]));
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

  async memoryIntact(partition: number): Promise<boolean> {
    return (await this.redis.exists(`${this.prefix}mapper:intact:${partition}`)) === 1;
  }

  async setMemoryIntact(partition: number): Promise<void> {
    await this.redis.set(`${this.prefix}mapper:intact:${partition}`, new Date().toISOString());
  }
}

/** The deactivation count of the current window, shared by every mapper replica. */
export class RedisDeactivationGuardStore implements DeactivationGuardStore {
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

/** The last command the writer answered, per user (`mapper:answered:<id>`). */
export class RedisAnswerStore implements AnswerStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
  }

  private key(userId: string): string {
    return `${this.prefix}mapper:answered:${userId}`;
  }

  async record(answers: readonly { userId: string; commandId: string }[]): Promise<void> {
    if (answers.length === 0) return;
    // In the order read: a user's latest result is set last.
    await this.redis.mset(answers.flatMap((a) => [this.key(a.userId), a.commandId]));
  }

  load(userIds: readonly string[]): Promise<Map<string, string>> {
    return valuesOf(this.redis, userIds, (id) => this.key(id));
  }
}

/** Failures per user (`mapper:failed:<id>`) and a retry schedule per partition (a sorted set by due time). */
export class RedisFailureStore implements FailureStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
  }

  private key(userId: string): string {
    return `${this.prefix}mapper:failed:${userId}`;
  }
  private schedule(partition: number): string {
    return `${this.prefix}mapper:retry:${partition}`;
  }

  async record(
    failures: readonly FailedResult[],
    backoffMs: (attempts: number, retriable: boolean) => number,
    nowMs: number,
  ): Promise<void> {
    const previous = await this.load(failures.map((f) => f.userId));
    const tx = this.redis.multi();
    for (const f of failures) {
      const attempts = (previous.get(f.userId)?.attempts ?? 0) + 1;
      const failure: Failure = { commandId: f.commandId, code: f.code, attempts, at: f.at };
      previous.set(f.userId, failure);
      tx.set(this.key(f.userId), JSON.stringify(failure));
      tx.zadd(this.schedule(f.partition), nowMs + backoffMs(attempts, f.retriable), f.userId);
    }
    await tx.exec();
  }

  async succeeded(users: readonly { userId: string; partition: number }[]): Promise<void> {
    const tx = this.redis.multi();
    for (const u of users) {
      tx.del(this.key(u.userId));
      tx.zrem(this.schedule(u.partition), u.userId);
    }
    await tx.exec();
  }

  async load(userIds: readonly string[]): Promise<Map<string, Failure>> {
    const raw = await valuesOf(this.redis, userIds, (id) => this.key(id));
    return new Map([...raw].map(([id, v]) => [id, JSON.parse(v) as Failure]));
  }

  async due(partition: number, nowMs: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.schedule(partition), 0, nowMs, 'LIMIT', 0, limit);
  }

  async unschedule(partition: number, userIds: readonly string[]): Promise<void> {
    if (userIds.length > 0) await this.redis.zrem(this.schedule(partition), ...userIds);
  }
}

/** Takes off the members whose score is still at most ARGV[1] (one rescheduled meanwhile stays). */
const REMOVE_DUE = `
local removed = 0
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) <= tonumber(ARGV[1]) then
    removed = removed + redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return removed`;

/** Deactivation deadlines of frozen users, a sorted set by due time per partition (`mapper:deactivate-due:<p>`). */
export class RedisDeactivationSchedule implements DeactivationSchedule {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
  }

  private key(partition: number): string {
    return `${this.prefix}mapper:deactivate-due:${partition}`;
  }

  async schedule(partition: number, entries: readonly { userId: string; dueMs: number }[]): Promise<void> {
    if (entries.length === 0) return;
    await this.redis.zadd(this.key(partition), ...entries.flatMap((e) => [e.dueMs, e.userId]));
  }

  async due(partition: number, nowMs: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.key(partition), 0, nowMs, 'LIMIT', 0, limit);
  }

  async removeDue(partition: number, userIds: readonly string[], nowMs: number): Promise<void> {
    if (userIds.length > 0) await this.redis.eval(REMOVE_DUE, 1, this.key(partition), nowMs, ...userIds);
  }
}

/**
 * `mapper:mapping:applied:<partition>` (JSON), `mapper:mapping:config:<fingerprint>` (the mapping,
 * JSON), `mapper:mapping:change:<fingerprint>` (a hash: `meta` once, `p:<partition>` per partition,
 * so a partition redone after a crash overwrites its share) and `mapper:mapping:last-change`.
 */
export class RedisMappingStateStore implements MappingStateStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
  }

  async applied(partition: number): Promise<AppliedMapping | null> {
    const value = await this.redis.get(`${this.prefix}mapper:mapping:applied:${partition}`);
    return value === null ? null : (JSON.parse(value) as AppliedMapping);
  }

  async setApplied(partition: number, applied: AppliedMapping): Promise<void> {
    await this.redis.set(`${this.prefix}mapper:mapping:applied:${partition}`, JSON.stringify(applied));
  }

  async saveConfig(fingerprint: string, config: MappingConfig): Promise<void> {
    await this.redis.set(`${this.prefix}mapper:mapping:config:${fingerprint}`, JSON.stringify(config));
  }

  async config(fingerprint: string): Promise<MappingConfig | null> {
    const value = await this.redis.get(`${this.prefix}mapper:mapping:config:${fingerprint}`);
    return value === null ? null : (JSON.parse(value) as MappingConfig);
  }

  async recordChange(change: Omit<MappingChange, 'partitions'>, partition: PartitionReevaluation): Promise<void> {
    const key = `${this.prefix}mapper:mapping:change:${change.fingerprint}`;
    await this.redis
      .multi()
      .hsetnx(key, 'meta', JSON.stringify(change))
      .hset(key, `p:${partition.partition}`, JSON.stringify(partition))
      .set(`${this.prefix}mapper:mapping:last-change`, change.fingerprint)
      .exec();
  }

  async lastChange(): Promise<MappingChange | null> {
    const fingerprint = await this.redis.get(`${this.prefix}mapper:mapping:last-change`);
    if (fingerprint === null) return null;
    const fields = await this.redis.hgetall(`${this.prefix}mapper:mapping:change:${fingerprint}`);
    if (!fields['meta']) return null;
    const partitions = Object.entries(fields)
      .filter(([k]) => k.startsWith('p:'))
      .map(([, v]) => JSON.parse(v) as PartitionReevaluation)
      .sort((a, b) => a.partition - b.partition);
    return { ...(JSON.parse(fields['meta']) as Omit<MappingChange, 'partitions'>), partitions };
  }
}
