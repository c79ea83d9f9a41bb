/**
 * Faults the admin API can inject into the Salesforce endpoints (`/services/…`), to rehearse how a
 * client copes with a slow or failing org. Counters (`count`) are consumed request by request.
 */
export interface FaultConfig {
  /** Added delay per request: uniform between minMs and maxMs, or exponential with mean (maxMs - minMs) above minMs. */
  latency?: { minMs: number; maxMs: number; distribution?: 'uniform' | 'exponential' };
  /** Fraction (0–1) of requests answered 500 UNKNOWN_EXCEPTION. */
  serverErrorRate?: number;
  /** The next `count` requests answered with `status` (429 or 503), with a Retry-After header. */
  burst?: { status: 429 | 503; count: number; retryAfterSeconds?: number };
  /** The next `count` requests have their connection dropped without an answer. */
  dropConnections?: { count: number };
  /**
   * Fraction (0–1) of the records of Collections inserts and updates refused with the per-record
   * error `UNABLE_TO_LOCK_ROW`, as real orgs answer parallel User writes (Salesforce: retry them).
   */
  unableToLockRowRate?: number;
  /** Only requests whose path contains this text are affected (e.g. `/composite/sobjects`). */
  pathContains?: string;
}

export type FaultAction =
  | { readonly kind: 'none'; readonly delayMs: number }
  | { readonly kind: 'drop'; readonly delayMs: number }
  | {
      readonly kind: 'error';
      readonly delayMs: number;
      readonly status: number;
      readonly errorCode: string;
      readonly message: string;
      readonly retryAfterSeconds?: number;
    };

/** Validates a fault configuration from the admin API; returns a reason when it is unusable. */
export function faultConfigProblem(config: unknown): string | undefined {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return 'a JSON object is expected';
  const c = config as Record<string, unknown>;
  const known = new Set([
    'latency',
    'serverErrorRate',
    'burst',
    'dropConnections',
    'unableToLockRowRate',
    'pathContains',
  ]);
  for (const key of Object.keys(c)) if (!known.has(key)) return `unknown fault '${key}'`;
  const latency = c['latency'] as FaultConfig['latency'];
  if (latency !== undefined) {
    if (typeof latency?.minMs !== 'number' || typeof latency.maxMs !== 'number' || latency.minMs < 0) {
      return 'latency needs numeric minMs and maxMs';
    }
    if (latency.maxMs < latency.minMs) return 'latency.maxMs must be at least minMs';
  }
  const rate = c['serverErrorRate'];
  if (rate !== undefined && (typeof rate !== 'number' || rate < 0 || rate > 1)) return 'serverErrorRate must be 0..1';
  const lockRate = c['unableToLockRowRate'];
  if (lockRate !== undefined && (typeof lockRate !== 'number' || lockRate < 0 || lockRate > 1)) {
    return 'unableToLockRowRate must be 0..1';
  }
  const burst = c['burst'] as FaultConfig['burst'];
  if (burst !== undefined && ((burst?.status !== 429 && burst?.status !== 503) || !(burst.count >= 0))) {
    return 'burst needs status 429 or 503 and a count';
  }
  const drop = c['dropConnections'] as FaultConfig['dropConnections'];
  if (drop !== undefined && !(typeof drop?.count === 'number' && drop.count >= 0))
    return 'dropConnections needs a count';
  return undefined;
}

/** Decides what happens to one request under a fault configuration (mutates its counters). */
export function decideFault(config: FaultConfig, path: string, random: () => number = Math.random): FaultAction {
  if (config.pathContains && !path.includes(config.pathContains)) return { kind: 'none', delayMs: 0 };
  let delayMs = 0;
  if (config.latency) {
    const { minMs, maxMs, distribution } = config.latency;
    delayMs =
      distribution === 'exponential'
        ? Math.min(minMs + -Math.log(1 - random()) * (maxMs - minMs), minMs + 10 * (maxMs - minMs))
        : minMs + random() * (maxMs - minMs);
  }
  if (config.dropConnections && config.dropConnections.count > 0) {
    config.dropConnections.count--;
    return { kind: 'drop', delayMs };
  }
  if (config.burst && config.burst.count > 0) {
    config.burst.count--;
    const status = config.burst.status;
    return {
      kind: 'error',
      delayMs,
      status,
      errorCode: status === 429 ? 'REQUEST_LIMIT_EXCEEDED' : 'SERVER_UNAVAILABLE',
      message: status === 429 ? 'Too many requests. Retry later.' : 'Server temporarily unavailable. Retry later.',
      retryAfterSeconds: config.burst.retryAfterSeconds ?? 1,
    };
  }
  if (config.serverErrorRate && random() < config.serverErrorRate) {
    return {
      kind: 'error',
      delayMs,
      status: 500,
      errorCode: 'UNKNOWN_EXCEPTION',
      message: `An unexpected error occurred. Please include this ErrorId if you contact support: ${Math.floor(random() * 1e9)}-${Math.floor(random() * 1e5)} (-${Math.floor(random() * 1e9)})`,
    };
  }
  return { kind: 'none', delayMs };
}

/** The per-record error a locked row gets in a Collections result, with the record's id when it has one. */
export interface LockedRowError {
  readonly statusCode: 'UNABLE_TO_LOCK_ROW';
  readonly message: string;
  readonly fields: readonly string[];
}

/**
 * Whether one record of a Collections write (at `path`) is refused with `UNABLE_TO_LOCK_ROW`; the
 * message is the one Salesforce gives, naming the record when it exists.
 */
export function decideRecordFault(
  config: FaultConfig,
  path: string,
  recordId: string | undefined,
  random: () => number = Math.random,
): LockedRowError | undefined {
  if (!config.unableToLockRowRate || (config.pathContains && !path.includes(config.pathContains))) return undefined;
  if (random() >= config.unableToLockRowRate) return undefined;
  return {
    statusCode: 'UNABLE_TO_LOCK_ROW',
    message: `unable to obtain exclusive access to this record or 1 records: ${recordId ?? '005000000000000AAA'}`,
    fields: [],
  };
}
