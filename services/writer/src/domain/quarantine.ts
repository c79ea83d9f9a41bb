import type { ProvisioningCommandV1, ProvisioningResultV1 } from '@provision/events';
import type { Logger } from '@provision/ports';
import { backoffDelay } from '@provision/retry';
import { type BatchWriterDeps, JobHaltedError, writeBatchDeferring } from './batch-writer.ts';
import type { Deferrals } from './deferrals.ts';
import { NO_OBSERVER } from './observer.ts';
import type { JobControl, JobControlReader, PauseState, QuarantineState, QuarantineStore } from './ports.ts';

export interface QuarantineSettings {
  /** Consecutive job-level refusals before the writer quarantines itself. */
  readonly threshold: number;
  /** First wait once quarantined; doubles per further refusal up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Wait between job-level refusals before quarantine. */
  readonly retryDelayMs: number;
  /**
   * With a job control: how soon a held batch (paused, or quarantined with a longer wait) comes
   * back to read the admins' decisions again, so a resume or a cleared quarantine takes effect
   * within this time. Default 10 s.
   */
  readonly controlPollMs?: number;
}

/** Per command: its result, or none yet (retry the command after `retryInMs`, offset uncommitted). */
export interface GuardedAnswer {
  readonly result: ProvisioningResultV1 | undefined;
  readonly retryInMs: number;
  /** Why there is no result yet, when that is not a refusal of Salesforce's. */
  readonly reason?: string;
}

const PAUSED = 'provisioning is paused by an admin; held (uncommitted) until it resumes';

type GuardDeps = BatchWriterDeps & {
  store: QuarantineStore;
  logger: Log;
  settings: QuarantineSettings;
  /** The admins' decisions (pause, quarantine clears), read before every batch; unset: none. */
  control?: JobControlReader;
  /**
   * Records Salesforce refused as locked go back to the hand, to ride with a later batch, up to
   * the times these allow (see `BatchWriterDeps.deferRecord`); unset: retried within the batch.
   */
  deferrals?: Deferrals;
};

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
 *
 * With a job control, every batch first reads the admins' decisions, shared by every replica
 * through Redis. Paused: the batch is held like a quarantined one (no Salesforce call, no result,
 * offsets uncommitted), so nothing is lost and the writer resumes where it stopped. A quarantine
 * cleared by an admin (the count of clears grew since this replica last looked): the replica drops
 * its own quarantine and its count of refusals, whatever its backoff said, and the batch probes
 * Salesforce at once. Each replica compares the count rather than the state key, because another
 * replica may have published a new quarantine since: no replica keeps a quarantine it held before
 * the clear. Held batches come back every `controlPollMs`, so the next look is never far.
 */
export class QuarantineGuard {
  private consecutive = 0;
  private state: QuarantineState | null = null;
  private seenClears: number | undefined;
  private pausedSince: string | undefined;
  private readonly deps: GuardDeps;

  constructor(deps: GuardDeps) {
    this.deps = deps;
  }

  /** The pause this replica is honouring, if any (as of its last batch). */
  paused(): boolean {
    return this.pausedSince !== undefined;
  }

  /** The current quarantine, if any. */
  quarantine(): QuarantineState | null {
    return this.state;
  }

  /** `urgent`: the batch holds live or on-demand commands (their calls take slots of the urgent reserve). */
  async run(commands: readonly ProvisioningCommandV1[], options: { urgent?: boolean } = {}): Promise<GuardedAnswer[]> {
    const control = await this.readControl();
    const poll = this.deps.settings.controlPollMs ?? 10_000;
    if (control?.paused) return commands.map(() => ({ result: undefined, retryInMs: poll, reason: PAUSED }));
    const now = this.deps.clock.now();
    if (this.state) {
      const wait = Date.parse(this.state.nextAttemptAt) - now;
      const retryInMs = control ? Math.min(wait, poll) : wait;
      if (wait > 0) return commands.map(() => ({ result: undefined, retryInMs }));
    }
    const { deferrals } = this.deps;
    try {
      const { results, deferred } = await writeBatchDeferring(commands, {
        ...this.deps,
        ...(options.urgent ? { urgent: true } : {}),
        // Deferring saves calls in a sync; a change someone waits for is retried in place instead
        // of waiting for its batch to end and a later one to take it.
        deferRecord: deferrals && !options.urgent ? (command) => deferrals.take(command) : undefined,
      });
      await this.succeeded();
      return commands.map((c) => {
        const result = results.get(c);
        if (result) {
          deferrals?.forget(c);
          return { result, retryInMs: 0 };
        }
        const failure = deferred.get(c);
        const why = failure
          ? `${failure.code}${failure.salesforceCode ? ` ${failure.salesforceCode}` : ''}: ${failure.message}`
          : 'an earlier command of the user was';
        return {
          result: undefined,
          retryInMs: deferrals?.delayMs(c) ?? 0,
          reason: `Salesforce refused the record for now (${why}); it goes with a later batch`,
        };
      });
    } catch (error) {
      if (!(error instanceof JobHaltedError)) throw error;
      const delay = await this.refused(error);
      const retryInMs = control ? Math.min(delay, poll) : delay;
      return commands.map((c) => ({ result: error.finished.get(c), retryInMs }));
    }
  }

  /** Reads the admins' decisions and applies what changed since the last batch (null: no control). */
  private async readControl(): Promise<JobControl | null> {
    if (!this.deps.control) return null;
    const control = await this.deps.control.read();
    if (this.seenClears === undefined) this.seenClears = control.quarantineClears;
    else if (control.quarantineClears > this.seenClears) {
      this.seenClears = control.quarantineClears;
      this.cleared(control);
    }
    if (control.paused) this.hold(control.paused);
    else if (this.pausedSince !== undefined) {
      this.deps.logger.warn({ pausedSince: this.pausedSince }, 'provisioning resumed: sending to Salesforce again');
      this.pausedSince = undefined;
      (this.deps.observer ?? NO_OBSERVER).paused(false);
    }
    return control;
  }

  private hold(pause: PauseState): void {
    if (this.pausedSince === pause.since) return;
    this.pausedSince = pause.since;
    (this.deps.observer ?? NO_OBSERVER).paused(true);
    this.deps.logger.warn(
      { pause },
      `provisioning paused by ${pause.by.name}: batches are held, nothing is sent to Salesforce until it resumes`,
    );
  }

  private cleared(control: JobControl): void {
    const held = this.state;
    this.consecutive = 0;
    this.state = null;
    const by = control.lastClear;
    if (!held) {
      this.deps.logger.info({ clearedBy: by?.by, clearedAt: by?.at }, 'an admin cleared the writer quarantine');
      return;
    }
    (this.deps.observer ?? NO_OBSERVER).quarantine(false);
    this.deps.logger.warn(
      { quarantine: held, clearedBy: by?.by, clearedAt: by?.at },
      `quarantine cleared by ${by?.by.name ?? 'an admin'}: the next batch probes Salesforce now`,
    );
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
