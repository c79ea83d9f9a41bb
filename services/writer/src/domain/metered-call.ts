import type { ConcurrencyLimiter } from './concurrency.ts';
import { asCallError } from './errors.ts';
import type { ApiOperation, WriterObserver } from './observer.ts';
import type { Clock, RateBudget, SaveOutcome } from './ports.ts';

/** One Salesforce API call of `size` records, charged and observed around `fn`. */
export type MeteredCall = <T>(operation: ApiOperation, size: number, fn: () => Promise<T>) => Promise<T>;

export interface MeterDeps {
  readonly budget: RateBudget;
  /** How many calls may run at once (shared by the fleet, adapting to Salesforce); unset: no limit. */
  readonly concurrency?: ConcurrencyLimiter | undefined;
  /** The calls are for live or on-demand commands: they take slots of the urgent reserve. */
  readonly urgent?: boolean | undefined;
  readonly observer: WriterObserver;
  readonly clock: Clock;
}

/**
 * The one place a Salesforce call is charged: a unit of the shared daily budget and a slot of the
 * concurrency budget for each call, observed; what Salesforce answered (latency, locked rows, the
 * concurrent limit) moves the concurrency limit. A failure is thrown as a `SalesforceCallError`.
 */
export function meteredCall(deps: MeterDeps): MeteredCall {
  return async (operation, size, fn) => {
    await deps.budget.spend(1);
    const slot = await deps.concurrency?.acquire(deps.urgent ? { urgent: true } : undefined);
    deps.observer.batch(operation, size);
    const write = operation === 'create' || operation === 'update';
    const started = deps.clock.now();
    try {
      const value = await fn();
      deps.observer.apiCall(operation, 'ok');
      await slot?.release({
        write,
        records: size,
        latencyMs: deps.clock.now() - started,
        lockedRecords: write ? lockedIn(value) : 0,
        concurrentLimit: false,
      });
      return value;
    } catch (error) {
      deps.observer.apiCall(operation, 'error');
      const failure = asCallError(error);
      await slot?.release({
        write,
        records: 0,
        latencyMs: deps.clock.now() - started,
        lockedRecords: 0,
        concurrentLimit: failure.failure.code === 'SalesforceConcurrentLimitExceeded',
      });
      throw failure;
    }
  };
}

/** Records of a Collections answer refused `UNABLE_TO_LOCK_ROW`. */
function lockedIn(outcomes: unknown): number {
  if (!Array.isArray(outcomes)) return 0;
  return outcomes.filter((o: SaveOutcome) => !o.ok && o.failure.code === 'SalesforceRecordLocked').length;
}
