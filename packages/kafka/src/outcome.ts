import type { ErrorCode } from '@provision/errors';

/**
 * What became of one event. `done` and `skipped` commit; `retry` is tried again after a backoff
 * (or `delayMs`) until the retry budget is spent, then dead-lettered; `dead-letter` goes to the
 * dead-letter topic at once. A handler that throws is treated as `retry` when the error is
 * retriable (`isRetriable` from `@provision/errors`) and as `dead-letter` otherwise.
 */
export type Outcome =
  | { readonly status: 'done' }
  | { readonly status: 'skipped'; readonly reason: string }
  | { readonly status: 'retry'; readonly reason: string; readonly error?: unknown; readonly delayMs?: number }
  | { readonly status: 'dead-letter'; readonly reason: string; readonly code?: ErrorCode; readonly error?: unknown };

const DONE: Outcome = Object.freeze({ status: 'done' });

/** Outcome constructors, so handlers read `return outcome.done()`. */
export const outcome = {
  done: (): Outcome => DONE,
  skipped: (reason: string): Outcome => ({ status: 'skipped', reason }),
  retry: (reason: string, options: { error?: unknown; delayMs?: number } = {}): Outcome => ({
    status: 'retry',
    reason,
    ...options,
  }),
  deadLetter: (reason: string, options: { code?: ErrorCode; error?: unknown } = {}): Outcome => ({
    status: 'dead-letter',
    reason,
    ...options,
  }),
} as const;
