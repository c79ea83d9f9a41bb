import type { ProvisioningResultV1 } from '@provision/events';
import { type Backoff, backoffDelay } from '@provision/retry';
import { USER_NOT_FOUND } from './picture.ts';
import type { AnswerStore, FailureStore } from './ports.ts';

/** How long a user waits before its next retry: `@provision/retry`'s backoff, as data. */
export type RetryPolicy = Backoff;

/** 1 min, 5 min, 25 min, 2 h, then every 6 h: Entra too retries "gradually scaling back the frequency". */
export const DEFAULT_RETRY: RetryPolicy = { initialDelayMs: 60_000, multiplier: 5, maxDelayMs: 6 * 3_600_000 };

/**
 * 10 s, 20 s, 40 s, 80 s, then every 2 min: for a failure Salesforce calls transient (a server
 * error, a lock, a dropped connection) that outlasted the writer's own retries. It says nothing
 * about the user's data, so waiting an Entra-like hour would only delay convergence once the org
 * is well again.
 */
export const DEFAULT_TRANSIENT_RETRY: RetryPolicy = { initialDelayMs: 10_000, multiplier: 2, maxDelayMs: 120_000 };

/** The wait before a user's next retry: by the transient policy when the last failure was transient. */
export function retryDelay(policies: {
  refused: RetryPolicy;
  transient: RetryPolicy;
}): (attempts: number, retriable: boolean) => number {
  return (attempts, retriable) => backoffDelay(attempts, retriable ? policies.transient : policies.refused);
}

/**
 * Reads the writer's results: a failure (or an update of a user Salesforce does not have) is
 * remembered and its user scheduled for a retry; a success forgets the user's failures. A disable
 * of a user Salesforce does not have is done: there is nothing to disable. Dry-run results change
 * nothing.
 */
export function createResultRecorder(deps: {
  failures: FailureStore;
  /** Where each user's answered command is kept (the lanes), dry runs included. */
  answers?: AnswerStore;
  retry: RetryPolicy;
  transientRetry?: RetryPolicy;
  now?: () => number;
}) {
  const delay = retryDelay({ refused: deps.retry, transient: deps.transientRetry ?? DEFAULT_TRANSIENT_RETRY });
  return async function record(results: readonly { partition: number; result: ProvisioningResultV1 }[]): Promise<void> {
    const real = results.filter(({ result }) => !result.dryRun);
    const isFailure = (r: ProvisioningResultV1) =>
      r.status === 'failure' || (r.error?.code === USER_NOT_FOUND && r.action !== 'disable');
    const failed = real
      .filter(({ result }) => isFailure(result))
      .map(({ partition, result }) => ({
        userId: result.userId,
        partition,
        commandId: result.commandId,
        code: result.error?.code ?? 'Unknown',
        // A user Salesforce lacks is created by the next command: as urgent as a transient failure.
        retriable: result.error?.retriable === true || result.error?.code === USER_NOT_FOUND,
        at: result.completedAt,
      }));
    const succeeded = real
      .filter(
        ({ result }) =>
          !isFailure(result) &&
          (result.status === 'success' || result.status === 'warning' || result.error?.code === USER_NOT_FOUND),
      )
      .map(({ partition, result }) => ({ userId: result.userId, partition }));
    if (failed.length > 0) await deps.failures.record(failed, delay, (deps.now ?? Date.now)());
    if (succeeded.length > 0) await deps.failures.succeeded(succeeded);
    // Last, once the failures are known: a user is not sent live while its failure is unrecorded.
    await deps.answers?.record(results.map(({ result }) => ({ userId: result.userId, commandId: result.commandId })));
  };
}
