import type { Initiator } from '@provision/events';
import type { Redis } from 'ioredis';
import type { JobControl, PauseState } from '../domain/ports.ts';

/**
 * The job's switches in Redis, under the deployment's prefix, where the writers read them before
 * each batch and the audit shows them:
 *
 * - `<prefix>provisioning:paused`: JSON `{ since, by, reason }`; absent while provisioning runs.
 * - `<prefix>writer:quarantine`: the quarantine a writer published (the writer's key; a clear deletes it).
 * - `<prefix>writer:quarantine:cleared`: a hash, `count` of clears (it only grows: each writer replica
 *   compares it with the count it last saw), `at` and `by` (JSON) of the last clear.
 */
export class RedisJobControl implements JobControl {
  readonly #redis: Redis;
  readonly #paused: string;
  readonly #quarantine: string;
  readonly #cleared: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#paused = `${prefix}provisioning:paused`;
    this.#quarantine = `${prefix}writer:quarantine`;
    this.#cleared = `${prefix}writer:quarantine:cleared`;
  }

  async paused(): Promise<PauseState | null> {
    const raw = await this.#redis.get(this.#paused);
    return raw === null ? null : (JSON.parse(raw) as PauseState);
  }

  async pause(state: PauseState): Promise<PauseState> {
    // NX: a second pause does not rewrite who paused and since when.
    const set = await this.#redis.set(this.#paused, JSON.stringify(state), 'NX');
    if (set === 'OK') return state;
    return (await this.paused()) ?? state;
  }

  async resume(): Promise<PauseState | null> {
    const raw = await this.#redis.getdel(this.#paused);
    return raw === null ? null : (JSON.parse(raw) as PauseState);
  }

  async clearQuarantine(at: string, by: Initiator): Promise<Record<string, unknown> | null> {
    const answers = await this.#redis
      .multi()
      .get(this.#quarantine)
      .del(this.#quarantine)
      .hincrby(this.#cleared, 'count', 1)
      .hset(this.#cleared, 'at', at, 'by', JSON.stringify(by))
      .exec();
    const [error, value] = answers?.[0] ?? [null, null];
    // A quarantine stored otherwise than as the writer's JSON (WRONGTYPE) is deleted all the same.
    if (error || typeof value !== 'string') return error ? { unreadable: true } : null;
    try {
      return JSON.parse(value) as Record<string, unknown>;
    } catch {
      return { reason: value };
    }
  }
}
