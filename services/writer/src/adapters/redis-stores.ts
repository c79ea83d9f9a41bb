import type { Initiator } from '@provision/events';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type {
  AnsweredCommands,
  Clock,
  JobControl,
  JobControlReader,
  LinkStore,
  PauseState,
  QuarantineState,
  QuarantineStore,
  RateBudget,
} from '../domain/ports.ts';

/**
 * Answered commands: `<prefix>writer:answered:<commandId>`, for an hour (far past a redelivery:
 * a dead writer's partitions move within its session timeout). About 100 bytes each.
 */
export class RedisAnsweredCommands implements AnsweredCommands {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly ttlSeconds: number;

  constructor(redis: Redis, prefix: string, ttlSeconds = 3600) {
    this.redis = redis;
    this.prefix = prefix;
    this.ttlSeconds = ttlSeconds;
  }

  private key(commandId: string): string {
    return `${this.prefix}writer:answered:${commandId}`;
  }

  async which(commandIds: readonly string[]): Promise<Set<string>> {
    if (commandIds.length === 0) return new Set();
    const values = await this.redis.mget(...commandIds.map((id) => this.key(id)));
    return new Set(commandIds.filter((_, i) => values[i] !== null));
  }

  async remember(commandIds: readonly string[]): Promise<void> {
    if (commandIds.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const id of commandIds) pipeline.set(this.key(id), '1', 'EX', this.ttlSeconds);
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([error]) => error);
    if (failed) throw failed[0];
  }
}

/**
 * Links in Redis: `<prefix>link:<entraUserId>` → Salesforce user Id. No expiry: a lost link is
 * found again by the matching query (Redis holds only what can be rebuilt).
 */
export class RedisLinkStore implements LinkStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
  }

  private key(userId: string): string {
    return `${this.prefix}link:${userId}`;
  }

  async getMany(userIds: readonly string[]): Promise<Map<string, string>> {
    if (userIds.length === 0) return new Map();
    const values = await this.redis.mget(...userIds.map((id) => this.key(id)));
    const out = new Map<string, string>();
    userIds.forEach((id, i) => {
      const value = values[i];
      if (typeof value === 'string') out.set(id, value);
    });
    return out;
  }

  async setMany(links: ReadonlyMap<string, string>): Promise<void> {
    if (links.size === 0) return;
    await this.redis.mset(Object.fromEntries([...links].map(([id, sfId]) => [this.key(id), sfId])));
  }

  async deleteMany(userIds: readonly string[]): Promise<void> {
    if (userIds.length > 0) await this.redis.del(...userIds.map((id) => this.key(id)));
  }
}

/**
 * The Salesforce API budget of every writer replica, one fixed one-minute window in Redis
 * (`<prefix>writer:budget:*`, rate-limiter-flexible). `spend` waits for the next window when the
 * budget is spent; it never fails for lack of budget.
 */
export class RedisRateBudget implements RateBudget {
  private readonly limiter: RateLimiterRedis;
  private readonly clock: Clock;

  constructor(redis: Redis, options: { prefix: string; perMinute: number; clock: Clock; windowSeconds?: number }) {
    const windowSeconds = options.windowSeconds ?? 60;
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${options.prefix}writer:budget`,
      // `perMinute` spread over a shorter window in tests.
      points: Math.max(1, Math.round((options.perMinute * windowSeconds) / 60)),
      duration: windowSeconds,
    });
    this.clock = options.clock;
  }

  async spend(units = 1): Promise<void> {
    for (;;) {
      try {
        await this.limiter.consume('salesforce', units);
        return;
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        await this.clock.sleep(Math.max(10, rejection.msBeforeNext));
      }
    }
  }
}

/** The quarantine as the audit dashboard reads it: `<prefix>writer:quarantine`, JSON. */
export class RedisQuarantineStore implements QuarantineStore {
  private readonly redis: Redis;
  private readonly key: string;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.key = `${prefix}writer:quarantine`;
  }

  async set(state: QuarantineState): Promise<void> {
    await this.redis.set(this.key, JSON.stringify(state));
  }

  async clear(): Promise<void> {
    await this.redis.del(this.key);
  }

  async get(): Promise<QuarantineState | null> {
    const raw = await this.redis.get(this.key);
    return raw === null ? null : (JSON.parse(raw) as QuarantineState);
  }
}

/**
 * What admins decided, as the ingestor's API writes it: `<prefix>provisioning:paused` (JSON: since,
 * by, reason; absent while provisioning runs) and `<prefix>writer:quarantine:cleared` (a hash:
 * `count` of clears, `at` and `by` of the last). One round trip per batch.
 */
export class RedisJobControl implements JobControlReader {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
  }

  async read(): Promise<JobControl> {
    const [paused, cleared] = await Promise.all([
      this.redis.get(`${this.prefix}provisioning:paused`),
      this.redis.hmget(`${this.prefix}writer:quarantine:cleared`, 'count', 'at', 'by'),
    ]);
    const [count, at, by] = cleared;
    return {
      paused: paused === null ? null : (JSON.parse(paused) as PauseState),
      quarantineClears: Number(count ?? 0) || 0,
      lastClear: at && by ? { at, by: JSON.parse(by) as Initiator } : null,
    };
  }
}
