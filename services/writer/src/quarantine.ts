import type { ProvisioningCommandV1, ProvisioningResultV1 } from '@provision/events';
import { backoffDelay } from '@provision/retry';
import type { Logger } from '@provision/telemetry';
import { type BatchWriterDeps, JobHaltedError, writeBatch } from './batch-writer.ts';
import { NO_OBSERVER } from './domain/observer.ts';
import type { QuarantineState, QuarantineStore } from './domain/ports.ts';

export interface QuarantineSettings {
  /** Consecutive job-level refusals before the writer quarantines itself. */
  readonly threshold: number;
  /** First wait once quarantined; doubles per further refusal up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Wait between job-level refusals before quarantine. */
  readonly retryDelayMs: number;
}

/** Per command: its result, or none yet (retry the command after `retryInMs`, offset uncommitted). */
export interface GuardedAnswer {
  readonly result: ProvisioningResultV1 | undefined;
  readonly retryInMs: number;
}

type Log = Pick<Logger, 'info' | 'warn' | 'error'>;

/**
 * Runs batches through `writeBatch` and quarantines the job when Salesforce keeps refusing it as
 * a whole (credentials, API allocation, API access — Entra's `EncounteredQuarantineException`).
 *
 * Decision: commands of a refused batch get no result; they stay uncommitted and are retried when
 * the backoff ends, so a quarantine loses nothing and never emits a failure that a later success
 * would contradict (one result per command). While quarantined, every batch is answered "retry in
 * …" without calling Salesforce, which pauses consumption; the first batch after the wait probes
 * Salesforce, and its success lifts the quarantine. The state is published in Redis
 * (`<prefix>writer:quarantine`) for the audit dashboard, and logged at error level.
 */
export class QuarantineGuard {
  private consecutive = 0;
  private state: QuarantineState | null = null;
  private readonly deps: BatchWriterDeps & { store: QuarantineStore; logger: Log; settings: QuarantineSettings };

  constructor(deps: BatchWriterDeps & { store: QuarantineStore; logger: Log; settings: QuarantineSettings }) {
    this.deps = deps;
  }

  /** The current quarantine, if any. */
  quarantine(): QuarantineState | null {
    return this.state;
  }

  async run(commands: readonly ProvisioningCommandV1[]): Promise<GuardedAnswer[]> {
    const now = this.deps.clock.now();
    if (this.state) {
      const wait = Date.parse(this.state.nextAttemptAt) - now;
      if (wait > 0) return commands.map(() => ({ result: undefined, retryInMs: wait }));
    }
    try {
      const results = await writeBatch(commands, this.deps);
      await this.succeeded();
      return results.map((result) => ({ result, retryInMs: 0 }));
    } catch (error) {
      if (!(error instanceof JobHaltedError)) throw error;
      const retryInMs = await this.refused(error);
      return commands.map((c) => ({ result: error.finished.get(c), retryInMs }));
    }
  }

  private async succeeded(): Promise<void> {
    this.consecutive = 0;
    if (!this.state) return;
    this.deps.logger.warn({ quarantine: this.state }, 'quarantine lifted: Salesforce accepts requests again');
    this.state = null;
    (this.deps.observer ?? NO_OBSERVER).quarantine(false);
    await this.deps.store
      .clear()
      .catch((err: unknown) => this.deps.logger.error({ err }, 'could not clear the quarantine state'));
  }

  private async refused(error: JobHaltedError): Promise<number> {
    this.consecutive++;
    const { settings } = this.deps;
    const failure = error.cause.failure;
    if (this.consecutive < settings.threshold) {
      this.deps.logger.warn(
        {
          code: failure.code,
          salesforceCode: failure.salesforceCode,
          consecutive: this.consecutive,
          threshold: settings.threshold,
        },
        `Salesforce refused the job: ${failure.message}`,
      );
      return settings.retryDelayMs;
    }
    const now = this.deps.clock.now();
    const delay = backoffDelay(this.consecutive - settings.threshold + 1, {
      initialDelayMs: settings.baseDelayMs,
      multiplier: 2,
      maxDelayMs: settings.maxDelayMs,
    });
    const entering = this.state === null;
    this.state = {
      reason: failure.message,
      code: failure.code,
      since: this.state?.since ?? new Date(now).toISOString(),
      consecutiveFailures: this.consecutive,
      nextAttemptAt: new Date(now + delay).toISOString(),
    };
    if (entering) {
      this.deps.logger.error(
        { quarantine: this.state, salesforceCode: failure.salesforceCode },
        `QUARANTINED: Salesforce refused ${this.consecutive} batches in a row (${failure.code}); consumption paused, next attempt in ${Math.round(delay / 1000)} s`,
      );
      (this.deps.observer ?? NO_OBSERVER).quarantine(true);
    } else {
      this.deps.logger.error(
        { quarantine: this.state },
        `still quarantined (${failure.code}); next attempt in ${Math.round(delay / 1000)} s`,
      );
    }
    await this.deps.store
      .set(this.state)
      .catch((err: unknown) => this.deps.logger.error({ err }, 'could not publish the quarantine state'));
    return delay;
  }
}
