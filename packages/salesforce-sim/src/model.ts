/**
 * How long Salesforce takes to answer, and how it pushes back when writes overlap. Two profiles:
 * `instant` (no cost, no contention: what the unit tests want) and `realistic` (documented facts
 * where Salesforce publishes them, stated assumptions where it does not). Every number is a
 * parameter: a run can override any of them (`PUT /__admin/model`) to sweep the assumption.
 */

/** The kinds of request the model prices. */
export type Operation = 'query' | 'userInsert' | 'userUpdate' | 'assignmentWrite' | 'other';

/** The cost of one request: a fixed part plus a part per record it carries. */
export interface Cost {
  readonly baseMs: number;
  readonly perRecordMs: number;
}

export interface PerformanceModel {
  /** `instant`, `realistic`, or `custom` once a parameter was overridden. */
  readonly profile: 'instant' | 'realistic' | 'custom';
  readonly costs: Readonly<Record<Operation, Cost>>;
  /**
   * Per-record chance of `UNABLE_TO_LOCK_ROW` in a User write for each *other* User write running
   * in the org at the same time (0 when it runs alone).
   */
  readonly lockPerOverlap: number;
  /** The chance never goes past this, however many writes overlap. */
  readonly lockMax: number;
  /** Each other overlapping User write stretches a User write by this fraction (recalculation is serialised). */
  readonly slowdownPerOverlap: number;
}

const FREE: Cost = { baseMs: 0, perRecordMs: 0 };

/** Today's behaviour: every answer as fast as the machine gives it, no contention. */
export const INSTANT: PerformanceModel = Object.freeze({
  profile: 'instant',
  costs: Object.freeze({ query: FREE, userInsert: FREE, userUpdate: FREE, assignmentWrite: FREE, other: FREE }),
  lockPerOverlap: 0,
  lockMax: 0,
  slowdownPerOverlap: 0,
});

/**
 * Salesforce publishes no latency for User inserts. What is documented: User is a setup object,
 * and inserting one with a role recalculates sharing and group membership (Bulk API 2.0 "Organize
 * data to minimize lock contention"; "Group membership locking" in the sharing architecture guide);
 * parallel inserts contend for those locks and fail with `UNABLE_TO_LOCK_ROW` / "Group membership
 * operation already in progress", which Salesforce says to retry. The numbers below are
 * assumptions in that direction, to be swept, not measurements.
 */
export const REALISTIC: PerformanceModel = Object.freeze({
  profile: 'realistic',
  costs: Object.freeze({
    // A REST round trip from a cloud client to a pod, SOQL on an indexed field (Username,
    // FederationIdentifier, Id): ~100 ms is the common observation; rows cost little.
    query: { baseMs: 100, perRecordMs: 0.05 },
    // Assumption: 400 ms + 15 ms per user → a Collections call of 200 users takes 3.4 s ("seconds,
    // not milliseconds": sharing and group-membership recalculation per user).
    userInsert: { baseMs: 400, perRecordMs: 15 },
    // Assumption: an update recalculates less (no new group member unless the role changes).
    userUpdate: { baseMs: 300, perRecordMs: 8 },
    // PermissionSetAssignment rows: setup objects too, but no sharing recalculation.
    assignmentWrite: { baseMs: 200, perRecordMs: 3 },
    // describe, limits, auth, single reads.
    other: { baseMs: 60, perRecordMs: 0 },
  }),
  // Assumption: 1 % of the records per other overlapping User write (10 overlapping → ~9 %),
  // capped at 50 %: contention grows with parallelism, as the Bulk API guide warns.
  lockPerOverlap: 0.01,
  lockMax: 0.5,
  // Assumption: each overlapping User write makes the others 5 % slower (25 overlapping → 2.2×).
  slowdownPerOverlap: 0.05,
});

export const PROFILES = { instant: INSTANT, realistic: REALISTIC } as const;
export type ProfileName = keyof typeof PROFILES;

/** A profile by name, or a reason naming the bad value. */
export function profileByName(name: string): PerformanceModel | string {
  return Object.hasOwn(PROFILES, name)
    ? PROFILES[name as ProfileName]
    : `unknown model profile '${name}' (expected ${Object.keys(PROFILES).join(' or ')})`;
}

/** What `PUT /__admin/model` takes: a profile to start from and parameters to override. */
export interface ModelChange {
  readonly profile?: string;
  readonly costs?: Partial<Record<Operation, Partial<Cost>>>;
  readonly lockPerOverlap?: number;
  readonly lockMax?: number;
  readonly slowdownPerOverlap?: number;
}

const OPERATIONS: readonly Operation[] = ['query', 'userInsert', 'userUpdate', 'assignmentWrite', 'other'];

function nonNegative(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ModelError(`${where} must be a number ≥ 0 (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** A model change the simulator cannot apply; the message names the parameter. */
export class ModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelError';
  }
}

/**
 * Applies a change to a model: `profile` starts from that profile (else from `current`), the other
 * keys override its parameters. Throws `ModelError` naming the first bad parameter.
 */
export function applyModelChange(current: PerformanceModel, change: unknown): PerformanceModel {
  if (typeof change !== 'object' || change === null || Array.isArray(change)) {
    throw new ModelError('a JSON object is expected');
  }
  const c = change as Record<string, unknown>;
  for (const key of Object.keys(c)) {
    if (!['profile', 'costs', 'lockPerOverlap', 'lockMax', 'slowdownPerOverlap'].includes(key)) {
      throw new ModelError(`unknown model parameter '${key}'`);
    }
  }
  let base = current;
  if (c['profile'] !== undefined) {
    const found = profileByName(String(c['profile']));
    if (typeof found === 'string') throw new ModelError(found);
    base = found;
  }
  const overrides = Object.keys(c).some((k) => k !== 'profile');
  if (!overrides) return base;
  const costs: Record<Operation, Cost> = { ...base.costs };
  if (c['costs'] !== undefined) {
    if (typeof c['costs'] !== 'object' || c['costs'] === null) throw new ModelError('costs must be an object');
    for (const [op, cost] of Object.entries(c['costs'] as Record<string, unknown>)) {
      if (!OPERATIONS.includes(op as Operation)) {
        throw new ModelError(`unknown operation '${op}' in costs (expected ${OPERATIONS.join(', ')})`);
      }
      const given = (cost ?? {}) as Partial<Cost>;
      const was = costs[op as Operation];
      costs[op as Operation] = {
        baseMs: given.baseMs === undefined ? was.baseMs : nonNegative(given.baseMs, `costs.${op}.baseMs`),
        perRecordMs:
          given.perRecordMs === undefined ? was.perRecordMs : nonNegative(given.perRecordMs, `costs.${op}.perRecordMs`),
      };
    }
  }
  const lockMax = c['lockMax'] === undefined ? base.lockMax : nonNegative(c['lockMax'], 'lockMax');
  if (lockMax > 1) throw new ModelError(`lockMax must be at most 1 (got ${lockMax})`);
  return {
    profile: 'custom',
    costs,
    lockPerOverlap:
      c['lockPerOverlap'] === undefined ? base.lockPerOverlap : nonNegative(c['lockPerOverlap'], 'lockPerOverlap'),
    lockMax,
    slowdownPerOverlap:
      c['slowdownPerOverlap'] === undefined
        ? base.slowdownPerOverlap
        : nonNegative(c['slowdownPerOverlap'], 'slowdownPerOverlap'),
  };
}

/** How long a request of `records` records takes while `overlapping` other User writes run. */
export function costMs(model: PerformanceModel, operation: Operation, records: number, overlapping: number): number {
  const cost = model.costs[operation];
  const plain = cost.baseMs + cost.perRecordMs * records;
  const userWrite = operation === 'userInsert' || operation === 'userUpdate';
  return userWrite ? plain * (1 + model.slowdownPerOverlap * overlapping) : plain;
}

/** The per-record chance of `UNABLE_TO_LOCK_ROW` for a User write with `overlapping` others running. */
export function lockProbability(model: PerformanceModel, overlapping: number): number {
  return Math.min(model.lockMax, model.lockPerOverlap * overlapping);
}
