import type { Redis } from 'ioredis';
import { interner } from '../domain/interner.ts';
import { FencedOut } from '../domain/leadership.ts';
import type { Assignment, SnapshotAssignment, SubscriptionStore, SyncState } from '../domain/ports.ts';

/** Staged member sets of an interrupted full sync expire by themselves. */
const STAGING_TTL_SECONDS = 24 * 60 * 60;
/** Members written or read per command, so a 100,000-member group never travels in one reply. */
const CHUNK = 5000;

/**
 * Runs before every write: refuses it when this replica's fencing token is not the last one handed
 * out (KEYS[1] the fence key, ARGV[1] our token; '' = no election, nothing to check), then exposes
 * the write's own keys and arguments as K and A. Check and write are one script: a leader that
 * lost the lease between the two cannot slip a write in.
 */
const FENCE = `if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('FENCED stale fencing token') end
local K, A = {}, {}
for i = 2, #KEYS do K[i - 1] = KEYS[i] end
for i = 2, #ARGV do A[i - 1] = ARGV[i] end
`;

/** Where a replica's fencing token is checked: the lease's fence key and the token it holds (undefined: not the leader). */
export interface Fence {
  readonly key: string;
  token(): string | undefined;
}

/**
 * `SyncState` and `SubscriptionStore` in Redis, every key under `<prefix>ingestor:`:
 * `round` (the sync id of the round in progress), `cursor:users`, `cursor:groups` (deltaLinks), `groups` (set of known group ids),
 * `group:<id>:members` (set), `staging:<syncId>:<groupId>` (set, full sync only),
 * `assignments` (hash id → JSON), `subscriptions` (hash resource → subscription id).
 * All of it can be rebuilt by a full sync.
 *
 * With a `fence` (leader election), every write is a script that first checks the replica's
 * fencing token, so only the current leader changes the state; reads are not fenced.
 */
export class RedisSyncState implements SyncState, SubscriptionStore {
  readonly #redis: Redis;
  readonly #keyPrefix: string;
  readonly #fence: Fence | undefined;

  constructor(redis: Redis, prefix: string, options: { fence?: Fence } = {}) {
    this.#redis = redis;
    this.#keyPrefix = `${prefix}ingestor:`;
    this.#fence = options.fence;
  }

  async cursors(): Promise<{ users?: string; groups?: string }> {
    const [users, groups] = await this.#redis.mget(`${this.#keyPrefix}cursor:users`, `${this.#keyPrefix}cursor:groups`);
    return { ...(users ? { users } : {}), ...(groups ? { groups } : {}) };
  }

  async beginRound(syncId: string): Promise<void> {
    await this.#write('beginRound', "redis.call('SET', K[1], A[1])", [`${this.#keyPrefix}round`], [syncId]);
  }

  async saveCursors(cursors: { users: string; groups: string }, syncId: string): Promise<boolean> {
    // One script: the check and the write cannot be split by a flush.
    const saved = await this.#write(
      'saveCursors',
      "if redis.call('GET', K[1]) ~= A[1] then return 0 end redis.call('MSET', K[2], A[2], K[3], A[3]) return 1",
      [`${this.#keyPrefix}round`, `${this.#keyPrefix}cursor:users`, `${this.#keyPrefix}cursor:groups`],
      [syncId, cursors.users, cursors.groups],
    );
    return saved === 1;
  }

  async clearCursors(): Promise<void> {
    await this.#write(
      'clearCursors',
      DEL_KEYS,
      [`${this.#keyPrefix}cursor:users`, `${this.#keyPrefix}cursor:groups`],
      [],
    );
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
    await this.#write('addMembers', "redis.call('SADD', K[1], A[1])", [`${this.#keyPrefix}groups`], [groupId]);
    for (let i = 0; i < userIds.length; i += CHUNK) {
      await this.#write('addMembers', each('SADD'), [this.#members(groupId)], userIds.slice(i, i + CHUNK));
    }
  }

  async removeMembers(groupId: string, userIds: readonly string[]): Promise<void> {
    for (let i = 0; i < userIds.length; i += CHUNK) {
      await this.#write('removeMembers', each('SREM'), [this.#members(groupId)], userIds.slice(i, i + CHUNK));
    }
  }

  async dropGroup(groupId: string): Promise<readonly string[]> {
    const members = await this.groupMembers(groupId);
    await this.#write(
      'dropGroup',
      "redis.call('DEL', K[1]) redis.call('SREM', K[2], A[1])",
      [this.#members(groupId), `${this.#keyPrefix}groups`],
      [groupId],
    );
    return members;
  }

  async knownGroups(): Promise<readonly string[]> {
    return this.#redis.smembers(`${this.#keyPrefix}groups`);
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
      await this.#write(
        'stageMembers',
        `for i = 2, #A do redis.call('SADD', K[1], A[i]) end redis.call('EXPIRE', K[1], A[1])`,
        [key],
        [STAGING_TTL_SECONDS, ...userIds.slice(i, i + CHUNK)],
      );
    }
  }

  async staleMembers(syncId: string, groupId: string): Promise<readonly string[]> {
    return this.#redis.sdiff(this.#members(groupId), this.#staging(syncId, groupId));
  }

  async commitStaged(syncId: string, groupId: string): Promise<void> {
    // A group the round saw with no members has no staged set: it simply ends up empty.
    await this.#write(
      'commitStaged',
      `redis.call('SADD', K[1], A[1]) redis.call('DEL', K[2])
if redis.call('EXISTS', K[3]) == 1 then redis.call('RENAME', K[3], K[2]) redis.call('PERSIST', K[2]) end`,
      [`${this.#keyPrefix}groups`, this.#members(groupId), this.#staging(syncId, groupId)],
      [groupId],
    );
  }

  async assignmentSnapshot(): Promise<ReadonlyMap<string, SnapshotAssignment>> {
    const out = new Map<string, SnapshotAssignment>();
    // One copy of each role id, not one per assignment (the poll holds this beside a listing).
    const roleId = interner();
    let cursor = '0';
    do {
      const [next, flat] = await this.#redis.hscan(`${this.#keyPrefix}assignments`, cursor, 'COUNT', CHUNK);
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const entry = JSON.parse(flat[i + 1]!) as Omit<SnapshotAssignment, 'id'>;
        out.set(flat[i]!, { id: flat[i]!, ...entry, appRoleId: roleId(entry.appRoleId) });
      }
      cursor = next;
    } while (cursor !== '0');
    return out;
  }

  async recordTentativeAssignments(added: readonly Assignment[]): Promise<void> {
    // HSETNX: a confirmed entry with the same id stays confirmed.
    const key = `${this.#keyPrefix}assignments`;
    for (let i = 0; i < added.length; i += CHUNK) {
      const pairs = added.slice(i, i + CHUNK).flatMap((a) => [a.id, entryOf(a, true)]);
      await this.#write('recordTentativeAssignments', eachPair('HSETNX'), [key], pairs);
    }
  }

  async updateAssignmentSnapshot(added: readonly Assignment[], removedIds: readonly string[]): Promise<void> {
    const key = `${this.#keyPrefix}assignments`;
    for (let i = 0; i < removedIds.length; i += CHUNK) {
      await this.#write('updateAssignmentSnapshot', each('HDEL'), [key], removedIds.slice(i, i + CHUNK));
    }
    for (let i = 0; i < added.length; i += CHUNK) {
      const pairs = added.slice(i, i + CHUNK).flatMap((a) => [a.id, entryOf(a, false)]);
      await this.#write('updateAssignmentSnapshot', eachPair('HSET'), [key], pairs);
    }
  }

  async discardWatermarks(): Promise<void> {
    // One DEL: the cursors, the snapshot and the round mark go together.
    await this.#redis.del(
      `${this.#keyPrefix}cursor:users`,
      `${this.#keyPrefix}cursor:groups`,
      `${this.#keyPrefix}assignments`,
      `${this.#keyPrefix}round`,
    );
  }

  // SubscriptionStore

  async load(): Promise<Record<string, string>> {
    return this.#redis.hgetall(`${this.#keyPrefix}subscriptions`);
  }

  async save(resource: string, id: string): Promise<void> {
    await this.#write('save subscription', eachPair('HSET'), [`${this.#keyPrefix}subscriptions`], [resource, id]);
  }

  /** One fenced write: `body` (Lua) sees its keys as K and its arguments as A. */
  async #write(what: string, body: string, keys: readonly string[], args: readonly (string | number)[]) {
    const token = this.#fence ? this.#fence.token() : '';
    if (token === undefined) throw new FencedOut(what);
    try {
      return await this.#redis.eval(
        FENCE + body,
        1 + keys.length,
        this.#fence?.key ?? `${this.#keyPrefix}fence`,
        ...keys,
        token,
        ...args,
      );
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('FENCED')) throw new FencedOut(what);
      throw error;
    }
  }

  #members(groupId: string): string {
    return `${this.#keyPrefix}group:${groupId}:members`;
  }

  #staging(syncId: string, groupId: string): string {
    return `${this.#keyPrefix}staging:${syncId}:${groupId}`;
  }
}

const DEL_KEYS = "for i = 1, #K do redis.call('DEL', K[i]) end";

/** `CMD K[1] a` for every argument (one call each: a chunk of 5,000 would overflow Lua's unpack). */
function each(command: string): string {
  return `for i = 1, #A do redis.call('${command}', K[1], A[i]) end`;
}

/** `CMD K[1] field value` for every pair of arguments. */
function eachPair(command: string): string {
  return `for i = 1, #A, 2 do redis.call('${command}', K[1], A[i], A[i + 1]) end`;
}

function entryOf({ principalId, principalType, appRoleId }: Assignment, tentative: boolean): string {
  return JSON.stringify(
    tentative ? { principalId, principalType, appRoleId, tentative } : { principalId, principalType, appRoleId },
  );
}
