import { describe, expect, it } from 'vitest';
import { seededRandom } from './random.ts';
import {
  CHANGE_KINDS,
  changeCount,
  faultWindowMs,
  GRAPH_EPISODES,
  planChanges,
  planGraphFaults,
  planKills,
  planSalesforceFaults,
  SALESFORCE_EPISODES,
  SERVICES,
} from './schedule.ts';

describe('the fault schedule', () => {
  it('is the same for the same seed and differs for another', () => {
    const plan = (seed: number) => planKills(12, 80_000, seededRandom(seed).fork('kills'));
    expect(plan(1)).toEqual(plan(1));
    expect(plan(1)).not.toEqual(plan(2));
  });

  it('kills K times in all inside the window, every service once before any twice, one pair while starting', () => {
    const plan = planKills(12, 80_000, seededRandom(3));
    const kills = plan.reduce((n, k) => n + (k.whileStartingAfterMs === undefined ? 1 : 2), 0);
    expect(kills).toBe(12);
    expect(plan.filter((k) => k.whileStartingAfterMs !== undefined)).toHaveLength(1);
    expect(new Set(plan.map((k) => k.service))).toEqual(new Set(SERVICES));
    expect(plan.every((k) => k.atMs >= 0 && k.atMs <= 80_000)).toBe(true);
    expect(plan.map((k) => k.atMs)).toEqual([...plan.map((k) => k.atMs)].sort((a, b) => a - b));
  });

  it('makes a single kill an ordinary one, and none when asked for none', () => {
    expect(planKills(1, 20_000, seededRandom(1))).toEqual([{ atMs: expect.any(Number), service: expect.any(String) }]);
    expect(planKills(0, 20_000, seededRandom(1))).toEqual([]);
    const two = planKills(2, 20_000, seededRandom(1));
    expect(two).toHaveLength(1);
    expect(two[0]?.whileStartingAfterMs).toBeGreaterThanOrEqual(200);
  });

  it('lasts 60–90 s for 3,000 users and less for small tenants', () => {
    expect(faultWindowMs(3000)).toBe(80_000);
    expect(faultWindowMs(200)).toBe(24_000);
    expect(faultWindowMs(100_000)).toBe(90_000);
  });

  it('plans Salesforce episodes one after the other, every kind at least once', () => {
    const episodes = planSalesforceFaults(24_000, seededRandom(7));
    expect(new Set(episodes.map((e) => e.kind))).toEqual(new Set(SALESFORCE_EPISODES));
    for (const [i, e] of episodes.entries()) {
      const next = episodes[i + 1];
      if (next) expect(e.atMs + e.durationMs).toBeLessThanOrEqual(next.atMs);
    }
    expect(episodes.find((e) => e.kind === 'expire-session')?.expireSessions).toBe(true);
    expect(episodes.find((e) => e.kind === 'lock-storm')?.config.unableToLockRowRate).toBeGreaterThan(0);
  });

  it('plans Graph throttling bursts with Retry-After among the other Graph faults', () => {
    const episodes = planGraphFaults(80_000, seededRandom(7));
    expect(new Set(episodes.map((e) => e.fault.kind))).toEqual(new Set(GRAPH_EPISODES));
    const throttles = episodes.filter((e) => e.fault.kind === 'throttle');
    expect(throttles.length).toBeGreaterThan(1);
    for (const { fault } of throttles)
      if (fault.kind === 'throttle') expect(fault.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('plans ~150 tenant changes for 3,000 users, every kind at least once even for a small tenant', () => {
    expect(changeCount(3000)).toBe(150);
    const changes = planChanges(changeCount(200), 24_000, seededRandom(7));
    expect(changes.length).toBe(CHANGE_KINDS.length);
    expect(new Set(changes.map((c) => c.kind))).toEqual(new Set(CHANGE_KINDS));
    expect(changes.map((c) => c.atMs)).toEqual([...changes.map((c) => c.atMs)].sort((a, b) => a - b));
  });

  it('soft-deletes someone before the first restore', () => {
    for (let seed = 0; seed < 50; seed++) {
      const kinds = planChanges(20, 24_000, seededRandom(seed)).map((c) => c.kind);
      expect(kinds.indexOf('soft-delete'), `seed ${seed}`).toBeLessThan(kinds.indexOf('restore'));
    }
  });
});
