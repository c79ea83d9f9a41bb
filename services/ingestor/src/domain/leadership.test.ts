import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaderElector, type LeaderLease } from './leadership.ts';
import { silentLog } from './log.ts';

const TTL = 6000;
const INTERVAL = 2000;

/** One lease shared by the electors of a test, on the fake clock: Redis's semantics, in memory. */
class SharedLease {
  holder: string | undefined;
  expiresAt = 0;
  token = 0;
  lease(name: string, unreachable: () => boolean = () => false): LeaderLease {
    const hang = <T>() => new Promise<T>(() => undefined);
    return {
      acquire: async () => {
        if (unreachable()) return hang();
        if (this.holder !== undefined && this.holder !== name && Date.now() < this.expiresAt) return undefined;
        if (this.holder !== name || Date.now() >= this.expiresAt) this.token++;
        this.holder = name;
        this.expiresAt = Date.now() + TTL;
        return String(this.token);
      },
      renew: async () => {
        if (unreachable()) return hang();
        if (this.holder !== name || Date.now() >= this.expiresAt) return false;
        this.expiresAt = Date.now() + TTL;
        return true;
      },
      release: async () => {
        if (this.holder === name) this.holder = undefined;
      },
    };
  }
}

function elector(lease: LeaderLease, events: string[], name: string): LeaderElector {
  return new LeaderElector({
    lease,
    ttlMs: TTL,
    intervalMs: INTERVAL,
    log: silentLog,
    now: () => Date.now(),
    onElected: (token) => events.push(`${name} elected ${token} at ${Date.now()}`),
    onDeposed: async (reason) => {
      events.push(`${name} deposed at ${Date.now()}: ${reason}`);
    },
  });
}

describe('LeaderElector', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('elects one replica; the other stands by and takes over after the leader stops renewing', async () => {
    const shared = new SharedLease();
    const events: string[] = [];
    let frozen = false;
    const a = elector(
      shared.lease('a', () => frozen),
      events,
      'a',
    );
    const b = elector(shared.lease('b'), events, 'b');
    a.start();
    await vi.advanceTimersByTimeAsync(0);
    b.start();
    await vi.advanceTimersByTimeAsync(10 * INTERVAL);
    expect(a.leader).toBe(true);
    expect(b.leader).toBe(false);
    expect(events).toEqual(['a elected 1 at 0']);

    // a's renewals hang from 20 s on (Redis unreachable from a): a steps down before its lease can
    // expire, and b takes the lease once it has.
    frozen = true;
    await vi.advanceTimersByTimeAsync(TTL + 2 * INTERVAL);
    expect(a.leader).toBe(false);
    expect(b.leader).toBe(true);
    const deposed = Number(/a deposed at (\d+)/.exec(events.join('\n'))?.[1]);
    const elected = Number(/b elected 2 at (\d+)/.exec(events.join('\n'))?.[1]);
    // The last renewal a sent was at 20 s; its lease ends at 26 s; it stopped at 25 s, b took over after 26 s.
    expect(deposed).toBe(20_000 + TTL - INTERVAL / 2);
    expect(elected).toBeGreaterThanOrEqual(20_000 + TTL);
    expect(elected).toBeLessThanOrEqual(20_000 + TTL + INTERVAL);
    await a.stop();
    await b.stop();
  });

  it('steps down at once when a renewal finds the lease gone, and gives it up on stop', async () => {
    const shared = new SharedLease();
    const events: string[] = [];
    const a = elector(shared.lease('a'), events, 'a');
    a.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(a.token).toBe('1');
    // Redis lost the lease (a flush): the next renewal says so; the attempt after takes a new one.
    shared.holder = undefined;
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(events.at(-1)).toMatch(/^a deposed at 2000: lease lost/);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(a.token).toBe('2');
    await a.stop();
    expect(shared.holder).toBeUndefined();
    expect(events.at(-1)).toMatch(/a deposed at 4000: shutdown/);
  });

  it('refuses a renewal interval that is not well inside the TTL', () => {
    expect(
      () =>
        new LeaderElector({
          lease: new SharedLease().lease('a'),
          ttlMs: 4000,
          intervalMs: 2000,
          log: silentLog,
          onElected: () => undefined,
          onDeposed: async () => undefined,
        }),
    ).toThrow(/under half the lease TTL/);
  });
});
