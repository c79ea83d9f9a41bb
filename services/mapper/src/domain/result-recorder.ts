import type { ProvisioningResultV1 } from '@provision/events';
import type { FailureStore } from '../ports.ts';
import { USER_NOT_FOUND } from './picture.ts';

export interface RetryPolicy {
  /** Wait before the first retry; each later one waits `factor` times longer, up to `maxMs`. */
  baseMs: number;
  factor: number;
  maxMs: number;
}

/** 1 min, 5 min, 25 min, 2 h, then every 6 h: Entra too retries "gradually scaling back the frequency". */
export const DEFAULT_RETRY: RetryPolicy = { baseMs: 60_000, factor: 5, maxMs: 6 * 3_600_000 };

export function backoffMs(policy: RetryPolicy): (attempts: number) => number {
  return (attempts) => Math.min(policy.maxMs, policy.baseMs * policy.factor ** Math.max(0, attempts - 1));
}

/**
 * Reads the writer's results: a failure (or an update of a user Salesforce does not have) is
 * remembered and its user scheduled for a retry; a success forgets the user's failures. Dry-run
 * results change nothing.
 */
export function createResultRecorder(deps: { failures: FailureStore; retry: RetryPolicy; now?: () => number }) {
  const delay = backoffMs(deps.retry);
  return async function record(results: readonly { partition: number; result: ProvisioningResultV1 }[]): Promise<void> {
    const real = results.filter(({ result }) => !result.dryRun);
    const failed = real
      .filter(({ result }) => result.status === 'failure' || result.error?.code === USER_NOT_FOUND)
      .map(({ partition, result }) => ({
        userId: result.userId,
        partition,
        commandId: result.commandId,
        code: result.error?.code ?? 'Unknown',
        at: result.completedAt,
      }));
    const succeeded = real
      .filter(
        ({ result }) =>
          (result.status === 'success' || result.status === 'warning') && result.error?.code !== USER_NOT_FOUND,
      )
      .map(({ partition, result }) => ({ userId: result.userId, partition }));
    if (failed.length > 0) await deps.failures.record(failed, delay, (deps.now ?? Date.now)());
    if (succeeded.length > 0) await deps.failures.succeeded(succeeded);
  };
}
