import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  type CallOutcome,
  type ConcurrencyLimiter,
  type ConcurrencySettings,
  type ConcurrencySlot,
  type ConcurrencyState,
  type ConcurrencyView,
  initialState,
  nextState,
} from '../domain/concurrency.ts';

// Takes a slot when fewer leases than the limit's slots are live; expired leases (a replica that
// died holding them) are dropped first. An urgent call (ARGV[5] = 1) takes one of the urgent reserve
// instead (KEYS[3], ARGV[7] of them), whatever the other leases, below the maximum (ARGV[6]).
// Returns [taken, limit, leases].
const ACQUIRE = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local limit = tonumber(redis.call('HGET', KEYS[2], 'limit') or ARGV[4])
local n = redis.call('ZCARD', KEYS[1])
local take
if ARGV[5] == '1' then
  take = redis.call('ZCARD', KEYS[3]) < tonumber(ARGV[7]) and n < tonumber(ARGV[6])
else
  take = n < math.max(1, math.floor(limit))
end
if take then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  if ARGV[5] == '1' then redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), ARGV[3]) end
  return {1, tostring(limit), n + 1}
end
return {0, tostring(limit), n}
`;

/**
 * The fleet's concurrency budget in Redis: `<prefix>writer:concurrency:leases` (a sorted set of the
 * calls running, each with an expiry, so a crashed replica's slots come back),
 * `<prefix>writer:concurrency:urgent-leases` (those of them in the urgent reserve) and
 * `<prefix>writer:concurrency:state` (the AIMD limit, its last decrease and the latency baseline).
 * Every replica takes slots from the same limit and moves it with what Salesforce answers it.
 */
export class RedisConcurrencyLimiter implements ConcurrencyLimiter {
  readonly #redis: Redis;
  /** A connection of its own: WATCH is per connection. */
  readonly #watcher: Redis;
  readonly #leases: string;
  readonly #urgentLeases: string;
  readonly #stateKey: string;
  readonly #settings: ConcurrencySettings;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #onChange: ((view: ConcurrencyView) => void) | undefined;
  #serial: Promise<void> = Promise.resolve();
  #view: ConcurrencyView;

  constructor(
    redis: Redis,
    options: {
      prefix: string;
      settings: ConcurrencySettings;
      /** How long a slot is held at most (longer than any call). */
      leaseMs?: number;
      pollMs?: number;
      onChange?: (view: ConcurrencyView) => void;
    },
  ) {
    this.#redis = redis;
    this.#watcher = redis.duplicate();
    this.#leases = `${options.prefix}writer:concurrency:leases`;
    this.#urgentLeases = `${options.prefix}writer:concurrency:urgent-leases`;
    this.#stateKey = `${options.prefix}writer:concurrency:state`;
    this.#settings = options.settings;
    this.#leaseMs = options.leaseMs ?? 300_000;
    this.#pollMs = options.pollMs ?? 50;
    this.#onChange = options.onChange;
    this.#view = { limit: options.settings.initial, inFlight: 0 };
  }

  /** The limit and the fleet's calls in flight, as last seen. */
  view(): ConcurrencyView {
    return this.#view;
  }

  async acquire(options: { urgent?: boolean } = {}): Promise<ConcurrencySlot> {
    const lease = randomUUID();
    const urgent = options.urgent === true;
    for (let _waited = 0; ; _waited++) {
      const [taken, limit, inFlight] = (await this.#redis.eval(
        ACQUIRE,
        3,
        this.#leases,
        this.#stateKey,
        this.#urgentLeases,
        Date.now(),
        this.#leaseMs,
        lease,
        this.#settings.initial,
        urgent ? '1' : '0',
        this.#settings.max,
        Math.max(1, this.#settings.urgent),
      )) as [number, string, number];
      this.#see({ limit: Number(limit), inFlight });
      if (taken === 1) break;
      // Jittered, so that waiting replicas do not ask in step; an urgent call asks twice as often.
      const poll = urgent ? this.#pollMs / 2 : this.#pollMs;
      await new Promise((resolve) => setTimeout(resolve, poll * (0.5 + Math.random())));
    }
    let released = false;
    return {
      release: async (outcome: CallOutcome) => {
        if (released) return;
        released = true;
        const done = this.#serial.then(() => this.#release(lease, outcome));
        this.#serial = done.catch(() => undefined);
        await done;
      },
    };
  }

  async close(): Promise<void> {
    this.#watcher.disconnect();
  }

  async #release(lease: string, outcome: CallOutcome): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      await this.#watcher.watch(this.#stateKey);
      const state = parseState(await this.#watcher.hgetall(this.#stateKey), this.#settings);
      const next = nextState(state, outcome, this.#settings, Date.now());
      const done = await this.#watcher
        .multi()
        .hset(this.#stateKey, {
          limit: String(next.limit),
          lastDecreaseAt: String(next.lastDecreaseAt),
          bestMsPerRecord: next.bestMsPerRecord === null ? '' : String(next.bestMsPerRecord),
        })
        .zrem(this.#leases, lease)
        .zcard(this.#leases)
        .zrem(this.#urgentLeases, lease)
        .exec();
      if (done) {
        this.#see({ limit: next.limit, inFlight: Number(done[2]?.[1] ?? 0), msPerRecord: next.bestMsPerRecord });
        return;
      }
    }
    // Other replicas kept changing the state: give the slot back without moving the limit.
    await this.#redis.multi().zrem(this.#leases, lease).zrem(this.#urgentLeases, lease).exec();
  }

  #see(view: ConcurrencyView): void {
    // An acquire does not read the pace: the last one seen holds until a release brings a newer.
    this.#view = { msPerRecord: this.#view.msPerRecord ?? null, ...view };
    this.#onChange?.(this.#view);
  }
}

function parseState(raw: Record<string, string>, settings: ConcurrencySettings): ConcurrencyState {
  if (raw['limit'] === undefined) return initialState(settings);
  const last = Number(raw['lastDecreaseAt']);
  return {
    limit: Number(raw['limit']),
    lastDecreaseAt: Number.isFinite(last) ? last : Number.NEGATIVE_INFINITY,
    bestMsPerRecord: raw['bestMsPerRecord'] ? Number(raw['bestMsPerRecord']) : null,
  };
}
