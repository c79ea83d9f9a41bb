/** Retry policy as plain data (as kafkajs keeps its retry defaults). */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly multiplier: number;
  /** 0 = no jitter, 1 = full jitter (a random delay between 0 and the computed one). */
  readonly jitter: number;
  /** HTTP statuses worth retrying. Network errors (no status) are always retried. */
  readonly retryStatuses: readonly number[];
  /** A `Retry-After` longer than this gives up instead of waiting (the caller re-queues). */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  initialDelayMs: 200,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 0.2,
  retryStatuses: Object.freeze([408, 420, 429, 500, 502, 503, 504]),
  maxRetryAfterMs: 120_000,
});

/** Salesforce: REQUEST_LIMIT_EXCEEDED (403) is not worth a quick retry; 503 server busy is. */
export const SALESFORCE_POLICY: RetryPolicy = Object.freeze({ ...DEFAULT_POLICY, initialDelayMs: 500 });

/** Graph: 429/503/504 with Retry-After, as Microsoft documents. */
export const GRAPH_POLICY: RetryPolicy = Object.freeze({
  ...DEFAULT_POLICY,
  retryStatuses: Object.freeze([429, 500, 502, 503, 504]),
});
