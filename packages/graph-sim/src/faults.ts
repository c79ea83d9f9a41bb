import { GraphHttpError } from './graph-error.ts';

/** A fault injected through the admin API; applies to the next `count` matching Graph requests. */
export type Fault =
  | { kind: 'throttle'; retryAfterSeconds: number; count: number; method?: string; path?: string }
  | { kind: 'error'; status: number; code: string; message?: string; count: number; method?: string; path?: string }
  | { kind: 'latency'; ms: number; count: number; method?: string; path?: string }
  /** Delta answers `410 Gone` with a `Location` to restart from (Graph's "synchronization reset"). */
  | { kind: 'deltaReset'; count: number; path?: string; method?: string };

/** A standing throttling policy: at most `requests` Graph requests per `windowSeconds`, then 429. */
export interface ThrottlePolicy {
  readonly requests: number;
  readonly windowSeconds: number;
}

/** Decides, per request, which injected fault or policy limit applies; counts requests by route. */
export class FaultPlan {
  readonly #faults: Fault[] = [];
  readonly counts = new Map<string, number>();
  policy: ThrottlePolicy | undefined;
  #windowStart = Number.NEGATIVE_INFINITY;
  #windowCount = 0;

  add(fault: Fault): void {
    if (!Number.isInteger(fault.count) || fault.count < 1)
      throw new GraphHttpError(400, 'BadRequest', 'count must be a positive integer');
    this.#faults.push({ ...fault });
  }

  clear(): void {
    this.#faults.length = 0;
    this.policy = undefined;
  }

  list(): readonly Fault[] {
    return this.#faults;
  }

  count(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Takes the first fault matching this request (consuming one of its count). */
  take(method: string, path: string, kinds: readonly Fault['kind'][]): Fault | undefined {
    const index = this.#faults.findIndex(
      (fault) =>
        kinds.includes(fault.kind) &&
        (fault.method === undefined || fault.method.toUpperCase() === method) &&
        (fault.path === undefined ? !path.startsWith('/v1.0/$batch') : path.startsWith(fault.path)) &&
        (fault.kind !== 'deltaReset' || /\/(microsoft\.graph\.)?delta(\?|$)/.test(path)),
    );
    const fault = this.#faults[index];
    if (!fault) return undefined;
    fault.count -= 1;
    if (fault.count <= 0) this.#faults.splice(index, 1);
    return fault;
  }

  /** Seconds to wait when the policy's window is full, else undefined (and the request is counted). */
  overPolicy(now: number): number | undefined {
    const policy = this.policy;
    if (!policy) return undefined;
    const windowMs = policy.windowSeconds * 1000;
    if (now - this.#windowStart >= windowMs) {
      this.#windowStart = now;
      this.#windowCount = 0;
    }
    if (this.#windowCount >= policy.requests)
      return Math.max(1, Math.ceil((this.#windowStart + windowMs - now) / 1000));
    this.#windowCount += 1;
    return undefined;
  }
}
