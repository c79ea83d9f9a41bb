/**
 * How many Salesforce calls the writer fleet runs at once: a limit that adapts to what Salesforce
 * answers (additive increase, multiplicative decrease, as TCP does), shared by every replica and
 * never above a ceiling under the org's concurrent-request limit. Pure: the adapters keep the state
 * (in memory, or in Redis for the fleet) and call these functions.
 */

export interface ConcurrencySettings {
  /** Never fewer calls at once than this. */
  readonly min: number;
  /**
   * Never more: keep it under the org's concurrent long-running limit (25 in production and
   * sandboxes, 5 in Developer Edition), which every integration of the org shares.
   */
  readonly max: number;
  /** Where a fresh fleet starts. */
  readonly initial: number;
  /** A call whose records were refused `UNABLE_TO_LOCK_ROW` more than this share backs off. */
  readonly lockedShare: number;
  /**
   * A write slower per record than this many times the fastest seen backs off: Salesforce is
   * queueing the writes (sharing recalculation), so more of them at once only adds waiting.
   */
  readonly latencyTolerance: number;
  /** Multiplicative decrease (0.5 halves the limit). */
  readonly decrease: number;
  /** After a decrease, further bad answers within this long are the same congestion: no second cut. */
  readonly holdMs: number;
  /**
   * Calls of live or on-demand changes the fleet may run at once whatever the sync's calls hold:
   * a reserve of their own, past the limit (never past `max`), so a change someone waits for never
   * queues behind a sync's inserts, even right after the limit was cut.
   */
  readonly urgent: number;
}

export const DEFAULT_CONCURRENCY: ConcurrencySettings = Object.freeze({
  min: 1,
  max: 20,
  initial: 4,
  lockedShare: 0.2,
  latencyTolerance: 2.5,
  decrease: 0.5,
  holdMs: 2_000,
  urgent: 2,
});

/** What one call got from Salesforce, as far as the limit cares. */
export interface CallOutcome {
  /** Writes (User creates and updates) carry the signals; reads only hold a slot. */
  readonly write: boolean;
  readonly records: number;
  readonly latencyMs: number;
  /** Records refused with `UNABLE_TO_LOCK_ROW`. */
  readonly lockedRecords: number;
  /** Salesforce refused the request for too many concurrent long-running requests. */
  readonly concurrentLimit: boolean;
}

/** The fleet's shared state. */
export interface ConcurrencyState {
  readonly limit: number;
  readonly lastDecreaseAt: number;
  /** Fastest write seen, per record (ms): the baseline latency is judged against. */
  readonly bestMsPerRecord: number | null;
}

export function initialState(settings: ConcurrencySettings): ConcurrencyState {
  return { limit: clamp(settings.initial, settings), lastDecreaseAt: Number.NEGATIVE_INFINITY, bestMsPerRecord: null };
}

export type Signal = 'increase' | 'decrease' | 'hold';

/** Why the limit moves after this outcome (pure). Only writes of 20+ records judge latency. */
export function signalOf(outcome: CallOutcome, state: ConcurrencyState, settings: ConcurrencySettings): Signal {
  if (outcome.concurrentLimit) return 'decrease';
  if (!outcome.write || outcome.records === 0) return 'hold';
  if (outcome.lockedRecords / outcome.records > settings.lockedShare) return 'decrease';
  if (outcome.records >= 20 && state.bestMsPerRecord !== null) {
    const perRecord = outcome.latencyMs / outcome.records;
    if (perRecord > state.bestMsPerRecord * settings.latencyTolerance) return 'decrease';
  }
  return 'increase';
}

/**
 * The state after one outcome: × decrease on a bad one; on a good one, +1 per limit's worth of
 * good writes, or +1 per good write until the first decrease (slow start, as TCP: the limit
 * doubles each round of calls, so a sync reaches what the org takes within a few calls instead of
 * spending its first minutes below it).
 */
export function nextState(
  state: ConcurrencyState,
  outcome: CallOutcome,
  settings: ConcurrencySettings,
  now: number,
): ConcurrencyState {
  const signal = signalOf(outcome, state, settings);
  const perRecord = outcome.write && outcome.records >= 20 ? outcome.latencyMs / outcome.records : null;
  const best =
    perRecord === null || outcome.concurrentLimit
      ? state.bestMsPerRecord
      : Math.min(state.bestMsPerRecord ?? perRecord, perRecord);
  if (signal === 'increase') {
    const slowStart = state.lastDecreaseAt === Number.NEGATIVE_INFINITY;
    const step = slowStart ? 1 : 1 / Math.floor(state.limit);
    return { ...state, limit: clamp(state.limit + step, settings), bestMsPerRecord: best };
  }
  if (signal === 'decrease' && now - state.lastDecreaseAt >= settings.holdMs) {
    return { limit: clamp(state.limit * settings.decrease, settings), lastDecreaseAt: now, bestMsPerRecord: best };
  }
  return { ...state, bestMsPerRecord: best };
}

function clamp(limit: number, settings: ConcurrencySettings): number {
  return Math.min(settings.max, Math.max(settings.min, limit));
}

/** Calls that may run now under a limit (the limit moves by fractions; slots are whole). */
export function slots(state: ConcurrencyState): number {
  return Math.max(1, Math.floor(state.limit));
}

/**
 * Whether an urgent call may start: fewer urgent calls than the reserve run (the fleet's), and fewer
 * calls than `max` in all. The sync's calls in flight do not count: past the limit on purpose.
 */
export function urgentMayStart(inFlight: number, urgentInFlight: number, settings: ConcurrencySettings): boolean {
  return urgentInFlight < Math.max(1, settings.urgent) && inFlight < settings.max;
}

/** A slot of the shared budget: hand it back with what Salesforce answered. */
export interface ConcurrencySlot {
  release(outcome: CallOutcome): Promise<void>;
}

/** The fleet's concurrency budget (Redis in production, in memory for one process and tests). */
export interface ConcurrencyLimiter {
  /**
   * Resolves once a call may start; waits (never fails) while every slot is taken. An urgent call
   * (a flush of live or on-demand commands) takes a slot of the urgent reserve instead (see
   * `urgentMayStart`): it does not queue behind a sync's calls, and the fleet runs at most
   * `urgent` calls more for them, never past `max`.
   */
  acquire(options?: { urgent?: boolean }): Promise<ConcurrencySlot>;
  /** The limit and the calls in flight as this replica last saw them (how much room there is). */
  view?(): ConcurrencyView;
}

/** What a live view shows: the limit now and the calls running (this replica's view of the fleet). */
export interface ConcurrencyView {
  readonly limit: number;
  readonly inFlight: number;
  /** The fastest write seen, in ms per record (the fleet's, as last seen); unset until one was. */
  readonly msPerRecord?: number | null;
}

/** Validates settings once (config), naming the bad one. */
export function concurrencyProblem(s: ConcurrencySettings): string | undefined {
  if (!(s.min >= 1)) return 'min must be at least 1';
  if (!(s.max >= s.min)) return 'max must be at least min';
  if (!(s.decrease > 0 && s.decrease < 1)) return 'decrease must be between 0 and 1';
  if (!(s.lockedShare >= 0 && s.lockedShare <= 1)) return 'lockedShare must be between 0 and 1';
  if (!(s.latencyTolerance > 1)) return 'latencyTolerance must be above 1';
  return undefined;
}
