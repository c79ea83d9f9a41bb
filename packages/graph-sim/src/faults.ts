import { GraphHttpError } from './graph-error.ts';
import { ResourceUnitBucket } from './resource-units.ts';

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
  /** Graph's resource-unit throttling (off unless enabled: `resourceUnits` option, admin API). */
  readonly resourceUnits = new ResourceUnitBucket();
  #windowStart = Number.NEGATIVE_INFINITY;
  #windowCount = 0;

  add(fault: Fault): void {
    const bad = (message: string) => new GraphHttpError(400, 'BadRequest', message);
    if (typeof fault !== 'object' || fault === null) throw bad('A fault must be a JSON object.');
    if (!Number.isInteger(fault.count) || fault.count < 1) throw bad('count must be a positive integer');
    if (fault.path !== undefined && typeof fault.path !== 'string') throw bad('path must be a string');
    if (fault.method !== undefined && typeof fault.method !== 'string') throw bad('method must be a string');
    switch (fault.kind) {
      case 'throttle':
        if (typeof fault.retryAfterSeconds !== 'number' || !(fault.retryAfterSeconds >= 0)) {
          throw bad('retryAfterSeconds must be a number of at least 0');
        }
        break;
      case 'error':
        if (!Number.isInteger(fault.status) || fault.status < 400 || fault.status > 599) {
          throw bad('status must be an HTTP error status (400-599)');
        }
        if (typeof fault.code !== 'string' || fault.code === '') throw bad('code must be a non-empty string');
        break;
      case 'latency':
        if (typeof fault.ms !== 'number' || !(fault.ms >= 0 && fault.ms <= 120_000))
          throw bad('ms must be a number from 0 to 120000');
        break;
      case 'deltaReset':
        break;
      default:
        throw bad('kind must be throttle, error, latency or deltaReset');
    }
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
