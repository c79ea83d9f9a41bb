import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_POLICY, nextDelay, parseRetryAfter } from './index.ts';

const noJitter = { ...DEFAULT_POLICY, jitter: 0 };

describe('nextDelay', () => {
  it('backs off exponentially up to the cap', () => {
    const delays = [1, 2, 3, 4].map((attempt) => nextDelay({ attempt, status: 503, policy: noJitter }));
    expect(delays).toEqual([200, 400, 800, 1600].map((delayMs) => ({ retry: true, delayMs, reason: 'backoff' })));
    expect(nextDelay({ attempt: 4, policy: { ...noJitter, maxDelayMs: 500 } })).toMatchObject({ delayMs: 500 });
  });

  it('honours Retry-After in seconds and as an HTTP date', () => {
    expect(nextDelay({ attempt: 1, status: 429, headers: { 'retry-after': '3' } })).toEqual({
      retry: true,
      delayMs: 3000,
      reason: 'Retry-After',
    });
    const now = () => Date.parse('2026-11-26T11:00:00Z');
    expect(
      nextDelay({ attempt: 1, status: 503, headers: { 'retry-after': 'Thu, 26 Nov 2026 11:00:10 GMT' }, now }),
    ).toMatchObject({ delayMs: 10_000 });
  });

  it('gives up on non-retriable errors, statuses outside the policy, the last attempt and a too-long Retry-After', () => {
    expect(nextDelay({ attempt: 1, retriable: false }).retry).toBe(false);
    expect(nextDelay({ attempt: 1, status: 400 })).toEqual({ retry: false, reason: 'HTTP 400 is not retried' });
    expect(nextDelay({ attempt: 5, status: 503 }).retry).toBe(false);
    expect(nextDelay({ attempt: 1, status: 429, headers: { 'retry-after': '3600' } }).retry).toBe(false);
  });

  it('retries network errors (no status)', () => {
    expect(nextDelay({ attempt: 1 }).retry).toBe(true);
  });

  it('never waits less than zero nor more than the cap, whatever the jitter', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (attempt, r) => {
        const d = nextDelay({ attempt, status: 503, random: () => r });
        return d.retry && d.delayMs >= 0 && d.delayMs <= DEFAULT_POLICY.maxDelayMs;
      }),
    );
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds, dates in the past as zero, and ignores garbage', () => {
    expect(parseRetryAfter('1.5')).toBe(1500);
    expect(parseRetryAfter('Thu, 01 Jan 2000 00:00:00 GMT')).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('multiplies from the initial delay up to the cap, without jitter unless asked', () => {
    const backoff = { initialDelayMs: 60_000, multiplier: 5, maxDelayMs: 6 * 3_600_000 };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, backoff))).toEqual([
      60_000, 300_000, 1_500_000, 7_500_000, 21_600_000, 21_600_000,
    ]);
    expect(backoffDelay(0, backoff)).toBe(60_000);
    expect(backoffDelay(2, { ...backoff, jitter: 0.5 }, () => 0.5)).toBe(225_000);
  });
});
