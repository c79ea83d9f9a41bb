import { listPersonAssignments, sameAssignments } from './assignments.ts';
import type { Log } from './log.ts';
import type { DirectorySource, IngestorMetrics, SyncState } from './ports.ts';

/** What one poll found: `skipped` when a round runs, waits or is failing (it reads the assignments itself). */
export type AssignmentPollOutcome = 'changed' | 'unchanged' | 'skipped' | 'failed';

export interface AssignmentPollDeps {
  readonly source: DirectorySource;
  readonly state: SyncState;
  readonly metrics: IngestorMetrics;
  readonly log: Log;
  /** Between the end of one poll and the start of the next. */
  readonly intervalMs: number;
  /** Asks for a round (through the coalescing scheduler). */
  readonly requestRound: (reason: string) => void;
  /**
   * True while a poll would be wasted or must not read Graph: a round in flight or pending, rounds
   * failing (their retry owns the pace), provisioning paused.
   */
  readonly skip: () => boolean | Promise<boolean>;
}

/**
 * Graph can neither notify about nor delta-track `appRoleAssignedTo`, so an assignment-only change
 * (a role given or taken away in the portal, nothing else touched) would wait for the polling
 * backstop (`SYNC_INTERVAL_MS`, minutes). This poll lists the assignments (pages of 999: about 10
 * requests for 10,000 users), compares them with the snapshot the last round stored, and asks for
 * a round only when they differ, so the round (which lists and confirms them itself) runs only
 * when there is something to publish. One poll at a time; the next starts `intervalMs` after the
 * previous one ended.
 */
export class AssignmentPoller {
  readonly #deps: AssignmentPollDeps;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<AssignmentPollOutcome> | undefined;
  #stopped = true;

  constructor(deps: AssignmentPollDeps) {
    this.#deps = deps;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  /** No more polls; waits for the one in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#inFlight;
  }

  /** One poll now (the timer calls it; tests too). */
  poll(): Promise<AssignmentPollOutcome> {
    this.#inFlight ??= this.#poll().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #poll(): Promise<AssignmentPollOutcome> {
    const outcome = await this.#check();
    this.#deps.metrics.assignmentPoll(outcome);
    if (outcome === 'changed') {
      this.#deps.log.info({}, 'assignments differ from the snapshot; requesting a round');
      this.#deps.requestRound('assignments');
    }
    return outcome;
  }

  async #check(): Promise<AssignmentPollOutcome> {
    try {
      if (await this.#deps.skip()) return 'skipped';
      const listed = await listPersonAssignments(this.#deps.source);
      // Read after the listing: a round that ended meanwhile has stored what it saw.
      const snapshot = await this.#deps.state.assignmentSnapshot();
      return sameAssignments(snapshot, listed) ? 'unchanged' : 'changed';
    } catch (error) {
      this.#deps.log.warn({ err: error }, 'assignments poll failed; trying again at the next one');
      return 'failed';
    }
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.poll().finally(() => this.#schedule());
    }, this.#deps.intervalMs);
    this.#timer.unref();
  }
}
