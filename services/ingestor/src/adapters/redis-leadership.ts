import type { Redis } from 'ioredis';
import type { LeaderLease, TriggerRelay } from '../domain/leadership.ts';

/**
 * Takes the lease when free: a new fencing token, greater than any before it (the counter + 1, and
 * never less than Redis's clock in milliseconds, so a counter lost with Redis's data does not hand
 * out an old token again unless leaders changed faster than one a millisecond before the loss),
 * stored in the counter and in the lease. The holder that already has it just extends it, unless
 * its token is no longer the counter's (the counter was lost): then it gets a new one.
 * KEYS: lease, fence counter. ARGV: holder id, TTL ms.
 */
const ACQUIRE = `
local held = redis.call('GET', KEYS[1])
if held then
  local holder, token = string.match(held, '^(.*) (%d+)$')
  if holder ~= ARGV[1] then return false end
  if redis.call('GET', KEYS[2]) == token then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return token
  end
end
local t = redis.call('TIME')
local floor = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local token = string.format('%.0f', math.max((tonumber(redis.call('GET', KEYS[2])) or 0) + 1, floor))
redis.call('SET', KEYS[2], token)
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. token, 'PX', ARGV[2])
return token`;

/** KEYS: lease, fence counter. ARGV: `<holder> <token>`, TTL ms, token. Fails when the lease or the fence is not ours any more. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('GET', KEYS[2]) == ARGV[3] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/** KEYS: list. Takes the whole list at once. */
const DRAIN = `local all = redis.call('LRANGE', KEYS[1], 0, -1) redis.call('DEL', KEYS[1]) return all`;

/** Forwarded triggers kept at most (they only ask for a round: a hundred say nothing more than one). */
const MAX_FORWARDED = 100;
/** Forwarded triggers nobody drained (no leader for this long) expire: the next leader starts with a round anyway. */
const FORWARDED_TTL_SECONDS = 3600;

/**
 * The ingestor's leader lease in Redis, under `<prefix>ingestor:`: `leader` (`<holder> <token>`,
 * with a TTL) and `fence` (the last token handed out; never expires). Every write the ingestor
 * makes to its sync state checks `fence` against its own token in the same script
 * (`RedisSyncState`), so a leader that lost the lease cannot overwrite its successor's cursors.
 */
export class RedisLeaderLease implements LeaderLease {
  readonly #redis: Redis;
  readonly #keyPrefix: string;
  readonly #holder: string;
  readonly #ttlMs: number;
  #token: string | undefined;

  constructor(redis: Redis, prefix: string, options: { holder: string; ttlMs: number }) {
    if (/\s/.test(options.holder))
      throw new Error(`leader lease: the holder id must not contain spaces ("${options.holder}")`);
    this.#redis = redis;
    this.#keyPrefix = `${prefix}ingestor:`;
    this.#holder = options.holder;
    this.#ttlMs = options.ttlMs;
  }

  /** The key holding the last fencing token (what fenced writes compare with). */
  get fenceKey(): string {
    return `${this.#keyPrefix}fence`;
  }

  async acquire(): Promise<string | undefined> {
    const token = (await this.#redis.eval(
      ACQUIRE,
      2,
      `${this.#keyPrefix}leader`,
      this.fenceKey,
      this.#holder,
      this.#ttlMs,
    )) as string | null;
    this.#token = token ?? undefined;
    return this.#token;
  }

  async renew(): Promise<boolean> {
    if (this.#token === undefined) return false;
    const renewed = await this.#redis.eval(
      RENEW,
      2,
      `${this.#keyPrefix}leader`,
      this.fenceKey,
      this.#value(),
      this.#ttlMs,
      this.#token,
    );
    if (renewed !== 1) this.#token = undefined;
    return renewed === 1;
  }

  async release(): Promise<void> {
    if (this.#token === undefined) return;
    const value = this.#value();
    this.#token = undefined;
    await this.#redis.eval(RELEASE, 1, `${this.#keyPrefix}leader`, value);
  }

  /** Who holds the lease now and its token (`GET /api/leadership`, tests). */
  async holder(): Promise<{ holder: string; token: string } | undefined> {
    const held = await this.#redis.get(`${this.#keyPrefix}leader`);
    const match = held ? /^(.*) (\d+)$/.exec(held) : null;
    return match ? { holder: match[1]!, token: match[2]! } : undefined;
  }

  #value(): string {
    return `${this.#holder} ${this.#token}`;
  }
}

/** `TriggerRelay` as a capped Redis list, `<prefix>ingestor:triggers`. */
export class RedisTriggerRelay implements TriggerRelay {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#key = `${prefix}ingestor:triggers`;
  }

  async forward(trigger: string): Promise<void> {
    await this.#redis
      .multi()
      .rpush(this.#key, trigger)
      .ltrim(this.#key, -MAX_FORWARDED, -1)
      .expire(this.#key, FORWARDED_TTL_SECONDS)
      .exec();
  }

  async drain(): Promise<readonly string[]> {
    return (await this.#redis.eval(DRAIN, 1, this.#key)) as string[];
  }
}
