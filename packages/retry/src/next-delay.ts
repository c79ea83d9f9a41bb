import { DEFAULT_POLICY, type RetryPolicy } from './policy.ts';

export interface RetryInput {
  /** The attempt that just failed, starting at 1. */
  attempt: number;
  /** HTTP status of the failure; undefined for a network error. */
  status?: number | undefined;
  /** Response headers (lower-case names); `retry-after` is honoured. */
  headers?: Readonly<Record<string, string | undefined>>;
  /** False when the error itself says retrying cannot help. */
  retriable?: boolean;
  policy?: RetryPolicy;
  /** Injected clock, for HTTP-date `Retry-After`. */
  now?: () => number;
  /** Injected randomness in [0, 1), for jitter. */
  random?: () => number;
}

export type RetryDecision = { retry: true; delayMs: number; reason: string } | { retry: false; reason: string };

/**
 * Whether to retry a failed call, and after how long: `Retry-After` (seconds or HTTP date) wins,
 * else exponential backoff with jitter. Pure: time and randomness are injected.
 */
export function nextDelay(input: RetryInput): RetryDecision {
  const policy = input.policy ?? DEFAULT_POLICY;
  if (input.retriable === false) return { retry: false, reason: 'not retriable' };
  if (input.attempt >= policy.maxAttempts) return { retry: false, reason: `gave up after ${input.attempt} attempts` };
  if (input.status !== undefined && !policy.retryStatuses.includes(input.status)) {
    return { retry: false, reason: `HTTP ${input.status} is not retried` };
  }
  const retryAfter = parseRetryAfter(input.headers?.['retry-after'], input.now ?? Date.now);
  if (retryAfter !== undefined) {
    if (retryAfter > policy.maxRetryAfterMs)
      return { retry: false, reason: `Retry-After ${retryAfter} ms is too long` };
    return { retry: true, delayMs: retryAfter, reason: 'Retry-After' };
  }
  return { retry: true, delayMs: backoffDelay(input.attempt, policy, input.random), reason: 'backoff' };
}

/** The exponential part of a policy: what `backoffDelay` needs (no jitter when `jitter` is absent). */
export type Backoff = Pick<RetryPolicy, 'initialDelayMs' | 'multiplier' | 'maxDelayMs'> &
  Partial<Pick<RetryPolicy, 'jitter'>>;

/**
 * The wait after failed attempt `attempt` (from 1): `initialDelayMs × multiplier^(attempt − 1)`,
 * capped at `maxDelayMs`, less up to `jitter` of it. For callers that never give up and have no
 * status to judge (a user's next retry, a quarantine), where `nextDelay` decides the rest.
 */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const exponential = backoff.initialDelayMs * backoff.multiplier ** Math.max(0, attempt - 1);
  const base = Math.min(backoff.maxDelayMs, exponential);
  return Math.round(base * (1 - (backoff.jitter ?? 0) * random()));
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: () => number = Date.now): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now());
}
