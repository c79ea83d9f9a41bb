import type { Redis } from 'ioredis';
import type { Assignment, SnapshotAssignment, SubscriptionStore, SyncState } from '../domain/ports.ts';

/** Staged member sets of an interrupted full sync expire by themselves. */
const STAGING_TTL_SECONDS = 24 * 60 * 60;
/** Members written or read per command, so a 100,000-member group never travels in one reply. */
const CHUNK = 5000;

/**
 * `SyncState` and `SubscriptionStore` in Redis, every key under `<prefix>ingestor:`:
 * `round` (the sync id of the round in progress), `cursor:users`, `cursor:groups` (deltaLinks), `groups` (set of known group ids),
 * `group:<id>:members` (set), `staging:<syncId>:<groupId>` (set, full sync only),
 * `assignments` (hash id → JSON), `subscriptions` (hash resource → subscription id).
 * All of it can be rebuilt by a full sync.
 */
export class RedisSyncState implements SyncState, SubscriptionStore {
  readonly #redis: Redis;
  readonly #p: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#p = `${prefix}ingestor:`;
  }

  async cursors(): Promise<{ users?: string; groups?: string }> {
    const [users, groups] = await this.#redis.mget(`${this.#p}cursor:users`, `${this.#p}cursor:groups`);
    return { ...(users ? { users } : {}), ...(groups ? { groups } : {}) };
  }

  async beginRound(syncId: string): Promise<void> {
    await this.#redis.set(`${this.#p}round`, syncId);
  }

  async saveCursors(cursors: { users: string; groups: string }, syncId: string): Promise<boolean> {
    // One script: the check and the write cannot be split by a flush.
    const saved = await this.#redis.eval(
      "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end redis.call('MSET', KEYS[2], ARGV[2], KEYS[3], ARGV[3]) return 1",
      3,
      `${this.#p}round`,
      `${this.#p}cursor:users`,
      `${this.#p}cursor:groups`,
      syncId,
      cursors.users,
      cursors.groups,
    );
    return saved === 1;
  }

  async clearCursors(): Promise<void> {
    await this.#redis.del(`${this.#p}cursor:users`, `${this.#p}cursor:groups`);
  }

  async groupMembers(groupId: string): Promise<readonly string[]> {
    const key = this.#members(groupId);
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.#redis.sscan(key, cursor, 'COUNT', CHUNK);
      out.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    // SSCAN may return an element twice while the set changes; the index is not changing here, but be exact.
    return [...new Set(out)];
  }

  async addMembers(groupId: string, userIds: readonly string[]): Promise<void> {
    await this.#redis.sadd(`${this.#p}groups`, groupId);
    for (let i = 0; i < userIds.length; i += CHUNK) {
      await this.#redis.sadd(this.#members(groupId), ...userIds.slice(i, i + CHUNK));
    }
  }

  async removeMembers(groupId: string, userIds: readonly string[]): Promise<void> {
    for (let i = 0; i < userIds.length; i += CHUNK) {
      await this.#redis.srem(this.#members(groupId), ...userIds.slice(i, i + CHUNK));
    }
  }

  async dropGroup(groupId: string): Promise<readonly string[]> {
    const members = await this.groupMembers(groupId);
    await this.#redis.multi().del(this.#members(groupId)).srem(`${this.#p}groups`, groupId).exec();
    return members;
  }

  async knownGroups(): Promise<readonly string[]> {
    return this.#redis.smembers(`${this.#p}groups`);
  }

  /** The known groups a user is a member of, from the index (on-demand's fallback for Graph's `memberOf`). */
  async groupsOf(userId: string): Promise<readonly string[]> {
    const groups = await this.knownGroups();
    if (groups.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const groupId of groups) pipeline.sismember(this.#members(groupId), userId);
    const answers = (await pipeline.exec()) ?? [];
    return groups.filter((_, i) => answers[i]?.[1] === 1);
  }

  async stageMembers(syncId: string, groupId: string, userIds: readonly string[]): Promise<void> {
    const key = this.#staging(syncId, groupId);
    for (let i = 0; i < userIds.length; i += CHUNK) {
      await this.#redis
        .multi()
        .sadd(key, ...userIds.slice(i, i + CHUNK))
        .expire(key, STAGING_TTL_SECONDS)
        .exec();
    }
  }

  async staleMembers(syncId: string, groupId: string): Promise<readonly string[]> {
    return this.#redis.sdiff(this.#members(groupId), this.#staging(syncId, groupId));
  }

  async commitStaged(syncId: string, groupId: string): Promise<void> {
    const staging = this.#staging(syncId, groupId);
    const tx = this.#redis.multi().sadd(`${this.#p}groups`, groupId).del(this.#members(groupId));
    // A group the round saw with no members has no staged set: it simply ends up empty.
    if ((await this.#redis.exists(staging)) === 1)
      tx.rename(staging, this.#members(groupId)).persist(this.#members(groupId));
    await tx.exec();
  }

  async assignmentSnapshot(): Promise<ReadonlyMap<string, SnapshotAssignment>> {
    const out = new Map<string, SnapshotAssignment>();
    let cursor = '0';
    do {
      const [next, flat] = await this.#redis.hscan(`${this.#p}assignments`, cursor, 'COUNT', CHUNK);
      for (let i = 0; i + 1 < flat.length; i += 2) {
        out.set(flat[i]!, { id: flat[i]!, ...(JSON.parse(flat[i + 1]!) as Omit<SnapshotAssignment, 'id'>) });
      }
      cursor = next;
    } while (cursor !== '0');
    return out;
  }

  async recordTentativeAssignments(added: readonly Assignment[]): Promise<void> {
    // HSETNX: a confirmed entry with the same id stays confirmed.
    const key = `${this.#p}assignments`;
    for (let i = 0; i < added.length; i += CHUNK) {
      const tx = this.#redis.multi();
      for (const a of added.slice(i, i + CHUNK)) tx.hsetnx(key, a.id, entryOf(a, true));
      await tx.exec();
    }
  }

  async updateAssignmentSnapshot(added: readonly Assignment[], removedIds: readonly string[]): Promise<void> {
    const key = `${this.#p}assignments`;
    for (let i = 0; i < removedIds.length; i += CHUNK) await this.#redis.hdel(key, ...removedIds.slice(i, i + CHUNK));
    for (let i = 0; i < added.length; i += CHUNK) {
      await this.#redis.hset(key, ...added.slice(i, i + CHUNK).flatMap((a) => [a.id, entryOf(a, false)]));
    }
  }

  // SubscriptionStore

  async load(): Promise<Record<string, string>> {
    return this.#redis.hgetall(`${this.#p}subscriptions`);
  }

  async save(resource: string, id: string): Promise<void> {
    await this.#redis.hset(`${this.#p}subscriptions`, resource, id);
  }

  #members(groupId: string): string {
    return `${this.#p}group:${groupId}:members`;
  }

  #staging(syncId: string, groupId: string): string {
    return `${this.#p}staging:${syncId}:${groupId}`;
  }
}

function entryOf({ principalId, principalType, appRoleId }: Assignment, tentative: boolean): string {
  return JSON.stringify(
    tentative ? { principalId, principalType, appRoleId, tentative } : { principalId, principalType, appRoleId },
  );
}
