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
// died holding them) are dropped first. An urgent call (ARGV[5] = 1) may take one slot past the
// limit's, up to the maximum (ARGV[6]). Returns [taken, limit, leases].
const ACQUIRE = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local limit = tonumber(redis.call('HGET', KEYS[2], 'limit') or ARGV[4])
local free = math.max(1, math.floor(limit))
if ARGV[5] == '1' and free < tonumber(ARGV[6]) then free = free + 1 end
local n = redis.call('ZCARD', KEYS[1])
if n < free then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  return {1, tostring(limit), n + 1}
end
return {0, tostring(limit), n}
`;

/**
 * The fleet's concurrency budget in Redis: `<prefix>writer:concurrency:leases` (a sorted set of the
 * calls running, each with an expiry, so a crashed replica's slots come back) and
 * `<prefix>writer:concurrency:state` (the AIMD limit, its last decrease and the latency baseline).
 * Every replica takes slots from the same limit and moves it with what Salesforce answers it.
 */
export class RedisConcurrencyLimiter implements ConcurrencyLimiter {
  readonly #redis: Redis;
  /** A connection of its own: WATCH is per connection. */
  readonly #watcher: Redis;
  readonly #leases: string;
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
        2,
        this.#leases,
        this.#stateKey,
        Date.now(),
        this.#leaseMs,
        lease,
        this.#settings.initial,
        urgent ? '1' : '0',
        this.#settings.max,
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
        .exec();
      if (done) {
        this.#see({ limit: next.limit, inFlight: Number(done[2]?.[1] ?? 0) });
        return;
      }
    }
    // Other replicas kept changing the state: give the slot back without moving the limit.
    await this.#redis.zrem(this.#leases, lease);
  }

  #see(view: ConcurrencyView): void {
    this.#view = view;
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
