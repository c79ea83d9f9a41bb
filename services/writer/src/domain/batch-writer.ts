import type { ModifiedProperty, ProvisioningCommandV1, ProvisioningResultV1, ResultError } from '@provision/events';
import { nextDelay, type RetryPolicy, SALESFORCE_POLICY } from '@provision/retry';
import { chunks, failureToError, withoutFields, withWarnings } from './command-parts.ts';
import type { ConcurrencyLimiter } from './concurrency.ts';
import { applyEntitlements, type EntitlementItem } from './entitlement-steps.ts';
import { asCallError, type SalesforceCallError } from './errors.ts';
import { LicenseBudget, licenseNotice, tickedLicenses, withoutLicenses } from './feature-licences.ts';
import { type ApiOperation, NO_OBSERVER, type WriterObserver } from './observer.ts';
import { entitlementsOfNewUser, hasEntitlementChanges } from './permission-sets.ts';
import { type LinkedBy, type Plan, planCommand } from './plan.ts';
import type {
  Clock,
  ExistingSalesforceUser,
  Fields,
  LinkStore,
  RateBudget,
  SalesforceDirectory,
  SalesforceFailure,
  SaveOutcome,
} from './ports.ts';
import { recommendedActionFor } from './recommended-actions.ts';
import { type Refusal, refusalOf } from './refused-fields.ts';
import { resolveUsers } from './resolve-users.ts';
import { resultOf, roundsOf } from './result.ts';

export interface BatchWriterDeps {
  readonly directory: SalesforceDirectory;
  readonly links: LinkStore;
  readonly budget: RateBudget;
  readonly clock: Clock;
  /** `WRITER_DRY_RUN`: every command is a preview. */
  readonly dryRun?: boolean;
  /** Records per sObject Collections call; Salesforce accepts at most 200. */
  readonly recordsPerCall?: number;
  /** Values per SOQL `IN (…)` query. */
  readonly valuesPerQuery?: number;
  readonly retryPolicy?: RetryPolicy;
  readonly random?: () => number;
  readonly observer?: WriterObserver;
  /** How many calls may run at once (shared by the fleet, adapting to Salesforce); unset: no limit. */
  readonly concurrency?: ConcurrencyLimiter;
  /**
   * The mapping's usernameCollision suffix: a create refused because another org holds the username
   * is made again with the suffix appended (a warning in the log), and such users are found suffixed.
   */
  readonly usernameSuffix?: string | undefined;
}

/**
 * Salesforce refused the job as a whole (credentials, API allocation, API access). The results of
 * the commands already finished are kept; the others stay unanswered (their offsets uncommitted).
 */
export class JobHaltedError extends Error {
  override readonly cause: SalesforceCallError;
  readonly finished: ReadonlyMap<ProvisioningCommandV1, ProvisioningResultV1>;

  constructor(cause: SalesforceCallError, finished: ReadonlyMap<ProvisioningCommandV1, ProvisioningResultV1>) {
    super(`Salesforce refused the job: ${cause.failure.code}: ${cause.message}`);
    this.name = 'JobHaltedError';
    this.cause = cause;
    this.finished = finished;
  }
}

const MAX_RECORDS_PER_CALL = 200;

/** Waits for every call (none is left running behind a retry), then throws the first failure. */
async function settleAll(calls: readonly Promise<void>[]): Promise<void> {
  const settled = await Promise.allSettled(calls);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Records of a Collections answer refused `UNABLE_TO_LOCK_ROW`. */
function lockedIn(outcomes: unknown): number {
  if (!Array.isArray(outcomes)) return 0;
  return outcomes.filter((o: SaveOutcome) => !o.ok && o.failure.code === 'SalesforceRecordLocked').length;
}
/**
 * Writes one batch of commands to Salesforce and answers each with exactly one result, in input
 * order. Per round (each user at most once, so a user's commands stay ordered):
 *
 * 1. stored links (one Redis read), then the linked users and the unlinked users' matching values
 *    (one SOQL query per `valuesPerQuery` values);
 * 2. a plan per command (pure: create, update of the differing fields, nothing, skip);
 * 3. creates and updates in sObject Collections calls of at most 200 records; links are stored as
 *    soon as Salesforce answers, before any result is emitted or offset committed;
 * 4. the permission-set changes of the users now written, in one directory call.
 *
 * A transient request failure retries the unfinished commands from step 1 (so a create whose answer
 * was lost is found by its link or its Username, never created twice); a transient record failure
 * (`UNABLE_TO_LOCK_ROW`) retries that record. A job-level refusal throws `JobHaltedError`.
 */
export async function writeBatch(
  commands: readonly ProvisioningCommandV1[],
  deps: BatchWriterDeps,
): Promise<ProvisioningResultV1[]> {
  const unsupported = deps.directory.unsupportedFields ?? new Set<string>();
  const effective = commands.map((c) => withoutFields(c, unsupported));
  const run = new BatchRun(deps);
  try {
    for (const round of roundsOf(effective)) await run.round(round);
  } catch (error) {
    if (!(error instanceof JobHaltedError)) throw error;
    const finished = new Map<ProvisioningCommandV1, ProvisioningResultV1>();
    commands.forEach((c, i) => {
      const result = run.finished.get(effective[i] as ProvisioningCommandV1);
      if (result) finished.set(c, withWarnings(c, result, unsupported));
    });
    throw new JobHaltedError(error.cause, finished);
  }
  return commands.map((c, i) => {
    const result = run.finished.get(effective[i] as ProvisioningCommandV1);
    if (!result) throw new Error(`no result for command ${c.commandId}`);
    return withWarnings(c, result, unsupported);
  });
}

interface Pending {
  readonly command: ProvisioningCommandV1;
  readonly startedAt: number;
}

/** A user to create; `notice` is its result's error (a warning, or a failure when `fails`). */
interface Create {
  readonly p: Pending;
  readonly fields: Fields;
  readonly plan: Plan & { kind: 'create' };
  readonly notice?: ResultError;
  readonly fails?: boolean;
  /** Fields Salesforce refused on their own (a feature licence, an unknown role). */
  readonly refusal?: Refusal;
}

/** A user to update, likewise. */
interface Update {
  readonly p: Pending;
  readonly plan: Plan & { kind: 'update' };
  readonly notice?: ResultError;
  readonly fails?: boolean;
  readonly refusal?: Refusal;
}

/** The create again without the fields Salesforce refused, and the notice it earns. */
function createWithoutRefused(c: Create): Create {
  const refusal = c.refusal as Refusal;
  const { fields, modified } = withoutLicenses(c.fields, c.plan.modified, refusal.fields);
  return { p: c.p, fields, plan: { ...c.plan, fields, modified }, notice: refusal.notice, fails: refusal.fails };
}

/** The update again without the fields Salesforce refused, and the notice it earns. */
function updateWithoutRefused(u: Update): Update {
  const refusal = u.refusal as Refusal;
  const { fields, modified } = withoutLicenses(u.plan.fields, u.plan.modified, refusal.fields);
  return { p: u.p, plan: { ...u.plan, fields, modified }, notice: refusal.notice, fails: refusal.fails };
}

interface Retry extends Pending {
  readonly failure: SalesforceFailure;
}

/** A command whose user Salesforce holds as wanted (created, updated or already so); its sets may remain. */
interface Written {
  readonly p: Pending;
  readonly salesforceId: string;
  readonly linkedBy: LinkedBy;
  readonly modified: readonly ModifiedProperty[];
  /** Created in this attempt: it holds no permission set yet. */
  readonly newUser: boolean;
  /** Written, but not as the command asked: the result is a `warning` that says how (a `failure` when `fails`). */
  readonly notice?: ResultError;
  readonly fails?: boolean;
}

class BatchRun {
  readonly finished = new Map<ProvisioningCommandV1, ProvisioningResultV1>();
  /** Users written in an earlier attempt whose permission sets are still to do (kept across retries). */
  private readonly partial = new Map<ProvisioningCommandV1, Written>();
  private readonly deps: BatchWriterDeps;
  private readonly observer: WriterObserver;
  private readonly recordsPerCall: number;
  private readonly valuesPerQuery: number;
  private readonly policy: RetryPolicy;
  private readonly planOptions: { readonly usernameSuffix?: string | undefined };

  constructor(deps: BatchWriterDeps) {
    this.deps = deps;
    this.observer = deps.observer ?? NO_OBSERVER;
    this.recordsPerCall = Math.min(MAX_RECORDS_PER_CALL, deps.recordsPerCall ?? MAX_RECORDS_PER_CALL);
    this.valuesPerQuery = deps.valuesPerQuery ?? 500;
    this.policy = deps.retryPolicy ?? SALESFORCE_POLICY;
    this.planOptions = { usernameSuffix: deps.usernameSuffix };
  }

  async round(commands: readonly ProvisioningCommandV1[]): Promise<void> {
    const startedAt = this.deps.clock.now();
    let pending: Pending[] = commands.map((command) => ({ command, startedAt }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      let retryRecords: Retry[] = [];
      let requestFailure: SalesforceCallError | undefined;
      try {
        retryRecords = await this.attempt(pending, attempt);
      } catch (error) {
        requestFailure = asCallError(error);
        if (requestFailure.jobLevel) throw new JobHaltedError(requestFailure, this.finished);
      }
      const unfinished = pending.filter((p) => !this.finished.has(p.command));
      if (unfinished.length === 0) return;
      const decision = nextDelay({
        attempt,
        status: requestFailure?.status,
        headers: requestFailure?.headers ?? {},
        retriable: requestFailure ? requestFailure.failure.retriable : true,
        policy: this.policy,
        now: () => this.deps.clock.now(),
        ...(this.deps.random ? { random: this.deps.random } : {}),
      });
      if (!decision.retry) {
        const failures = new Map(retryRecords.map((r) => [r.command, r.failure]));
        for (const p of unfinished) {
          const failure = requestFailure?.failure ?? failures.get(p.command);
          const written = this.partial.get(p.command);
          this.finish(p, attempt, {
            status: 'failure',
            salesforceId: written?.salesforceId ?? null,
            linkedBy: written?.linkedBy ?? 'none',
            error: failure ? failureToError(failure) : null,
            modified: [...(written?.modified ?? [])],
          });
        }
        return;
      }
      await this.deps.clock.sleep(decision.delayMs);
      pending = unfinished;
    }
  }

  /** One pass over the pending commands; returns those whose record failed transiently. */
  private async attempt(pending: readonly Pending[], attempt: number): Promise<Retry[]> {
    const active = pending.filter((p) => {
      if (p.command.action !== 'skip') return true;
      this.finishPlan(p, attempt, planCommand(p.command, { kind: 'none' }, this.planOptions));
      return false;
    });
    if (active.length === 0) return [];
    const resolutions = await resolveUsers(
      active.map((p) => p.command),
      {
        links: this.deps.links,
        query: (attribute, values, fields) => this.query(attribute, values, fields),
        usernameSuffix: this.deps.usernameSuffix,
      },
    );
    const plans = active.map((p) => ({
      p,
      plan: planCommand(p.command, resolutions.get(p.command) ?? { kind: 'none' }, this.planOptions),
    }));

    // Matched users are linked at once: the link is true whatever happens next.
    const matched = new Map<string, string>();
    for (const { p, plan } of plans) {
      if (
        (plan.kind === 'update' || plan.kind === 'noop') &&
        plan.linkedBy === 'matched' &&
        !this.isDryRun(p.command)
      ) {
        matched.set(p.command.userId, plan.salesforceId);
      }
    }
    if (matched.size > 0) await this.deps.links.setMany(matched);

    const creates: Create[] = [];
    const updates: Update[] = [];
    const written: Written[] = [];
    const previews: { p: Pending; plan: Plan & { kind: 'update' | 'noop' } }[] = [];
    for (const { p, plan } of plans) {
      if (this.isDryRun(p.command)) {
        if ((plan.kind === 'update' || plan.kind === 'noop') && hasEntitlementChanges(p.command))
          previews.push({ p, plan });
        else this.finishDryRun(p, attempt, plan);
      } else if (plan.kind === 'create') creates.push({ p, fields: plan.fields, plan });
      else if (plan.kind === 'update') updates.push({ p, plan });
      else if (plan.kind === 'noop' && hasEntitlementChanges(p.command))
        written.push(this.written(p, plan.salesforceId, plan.linkedBy, [], false));
      else this.finishPlan(p, attempt, plan);
    }
    await this.previewSets(previews, attempt);
    await this.countLicenses(creates, updates, written, attempt);

    const retry: Retry[] = [];
    const collided: Create[] = [];
    const refused: Create[] = [];
    // The calls of one round run at once, as many as the concurrency budget lets through: each
    // user is in one chunk only, so they are independent.
    await settleAll(
      chunks(creates, this.recordsPerCall).map((chunk) =>
        this.create(chunk, attempt, written, retry, collided, refused),
      ),
    );
    // Usernames another org holds: created again with the mapping's suffix, in one more call.
    const suffixed = collided.map((c) => this.suffixed(c));
    await settleAll(
      chunks(suffixed, this.recordsPerCall).map((chunk) => this.create(chunk, attempt, written, retry, [], refused)),
    );
    // Feature licences Salesforce had none left of: the users are created without them, in one more call.
    await settleAll(
      chunks(refused.map(createWithoutRefused), this.recordsPerCall).map((chunk) =>
        this.create(chunk, attempt, written, retry, []),
      ),
    );
    const refusedUpdates: Update[] = [];
    await settleAll(
      chunks(updates, this.recordsPerCall).map((chunk) => this.update(chunk, attempt, written, retry, refusedUpdates)),
    );
    const again = refusedUpdates.map(updateWithoutRefused);
    // Nothing left to write but the refused fields: the user is as it can be.
    for (const u of again.filter((a) => Object.keys(a.plan.fields).length === 0)) {
      const w = this.written(u.p, u.plan.salesforceId, u.plan.linkedBy, [], false);
      this.writtenOrDone(written, attempt, withNotice(w, u));
    }
    await settleAll(
      chunks(
        again.filter((a) => Object.keys(a.plan.fields).length > 0),
        this.recordsPerCall,
      ).map((chunk) => this.update(chunk, attempt, written, retry)),
    );
    await this.assignSets(written, attempt, retry);
    return retry;
  }

  /** One Collections update; a record refused for a feature licence goes to `refused` (when given). */
  private async update(
    chunk: readonly Update[],
    attempt: number,
    written: Written[],
    retry: Retry[],
    refused?: Update[],
  ): Promise<void> {
    const outcomes = await this.call('update', chunk.length, () =>
      this.deps.directory.updateUsers(chunk.map((u) => ({ id: u.plan.salesforceId, fields: u.plan.fields }))),
    );
    chunk.forEach((u, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) {
        const w = this.written(u.p, u.plan.salesforceId, u.plan.linkedBy, u.plan.modified, false);
        this.writtenOrDone(written, attempt, withNotice(w, u));
      } else if (refused && refusalOf(u.plan.fields, outcome?.failure)) {
        refused.push({ ...u, refusal: refusalOf(u.plan.fields, outcome?.failure) as Refusal });
      } else this.recordFailure(u.p, attempt, outcome, u.plan.salesforceId, u.plan.linkedBy, retry);
    });
  }

  /**
   * Counts feature licences before assignment: when a write ticks one, the org's counts are read
   * (one call) and each write takes its licences in command order; a write that finds none left of
   * a licence is made without it, with a `SalesforceLicenseLimitExceeded` warning naming it. An
   * update left with nothing to write finishes at once (its entitlements still follow).
   */
  private async countLicenses(
    creates: Create[],
    updates: Update[],
    written: Written[],
    attempt: number,
  ): Promise<void> {
    const read = this.deps.directory.featureLicenses?.bind(this.deps.directory);
    const ticking = [...creates.map((c) => c.fields), ...updates.map((u) => u.plan.fields)].some(
      (f) => tickedLicenses(f).length > 0,
    );
    if (!read || !ticking) return;
    const budget = new LicenseBudget(await this.call('query', 1, read));
    creates.forEach((c, i) => {
      const short = budget.take(tickedLicenses(c.fields));
      if (short.length === 0) return;
      const { fields, modified } = withoutLicenses(c.fields, c.plan.modified, short);
      creates[i] = { p: c.p, fields, plan: { ...c.plan, fields, modified }, notice: licenseNotice(short, true) };
    });
    const kept: Update[] = [];
    for (const u of updates) {
      const short = budget.take(tickedLicenses(u.plan.fields));
      if (short.length === 0) {
        kept.push(u);
        continue;
      }
      const { fields, modified } = withoutLicenses(u.plan.fields, u.plan.modified, short);
      const notice = licenseNotice(short, true);
      if (Object.keys(fields).length > 0) kept.push({ p: u.p, plan: { ...u.plan, fields, modified }, notice });
      else {
        const w = this.written(u.p, u.plan.salesforceId, u.plan.linkedBy, [], false);
        this.writtenOrDone(written, attempt, { ...w, notice });
      }
    }
    updates.splice(0, updates.length, ...kept);
  }

  /** One Collections create; a username another org holds goes to `collided` when a suffix may settle it. */
  private async create(
    chunk: readonly Create[],
    attempt: number,
    written: Written[],
    retry: Retry[],
    collided: Create[],
    refused?: Create[],
  ): Promise<void> {
    const outcomes = await this.call('create', chunk.length, () =>
      this.deps.directory.createUsers(chunk.map((c) => c.fields)),
    );
    const links = new Map<string, string>();
    chunk.forEach((c, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) links.set(c.p.command.userId, outcome.id);
    });
    if (links.size > 0) await this.deps.links.setMany(links);
    chunk.forEach((c, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) {
        const w = this.written(c.p, outcome.id, 'created', c.plan.modified, true);
        this.writtenOrDone(written, attempt, withNotice(w, c));
      } else if (this.maySuffix(c.fields, outcome)) collided.push(c);
      else if (refused && refusalOf(c.fields, outcome?.failure))
        refused.push({ ...c, refusal: refusalOf(c.fields, outcome?.failure) as Refusal });
      else this.recordFailure(c.p, attempt, outcome, null, 'none', retry);
    });
  }

  /** Another org holds the username (this org's users were searched for it first), and a suffix is configured. */
  private maySuffix(fields: Fields, outcome: { ok: false; failure: SalesforceFailure } | undefined): boolean {
    const suffix = this.deps.usernameSuffix;
    const username = fields['Username'];
    return (
      suffix !== undefined &&
      outcome?.failure.code === 'SalesforceDuplicateUserName' &&
      typeof username === 'string' &&
      !username.toLowerCase().endsWith(suffix)
    );
  }

  /** The create again, with the collision suffix appended to the username, and the warning it earns. */
  private suffixed(c: Create): Create {
    const taken = String(c.fields['Username']);
    const username = `${taken}${this.deps.usernameSuffix}`;
    const fields = { ...c.fields, Username: username };
    const modified = c.plan.modified.map((m) => (m.name === 'Username' ? { ...m, newValue: username } : m));
    const notice: ResultError = {
      code: 'SalesforceUsernameSuffixed',
      message: `Another Salesforce org already holds the username ${taken}; the user was created as ${username} (the mapping's usernameCollision suffix)`,
      retriable: false,
      fields: ['Username'],
      recommendedAction: recommendedActionFor('SalesforceUsernameSuffixed'),
    };
    return { p: c.p, fields, plan: { ...c.plan, fields, modified }, notice };
  }

  /** A written user without entitlements to change is finished at once; the others wait for them. */
  private writtenOrDone(written: Written[], attempt: number, w: Written): void {
    if (hasEntitlementChanges(w.p.command)) written.push(w);
    else this.finishWritten(w, attempt, [], null);
  }

  /** A written user, merged with what an earlier attempt already did for the same command. */
  private written(
    p: Pending,
    salesforceId: string,
    linkedBy: LinkedBy,
    modified: readonly ModifiedProperty[],
    newUser: boolean,
  ): Written {
    const earlier = this.partial.get(p.command);
    // The sets of an earlier attempt may have been half applied: read them (newUser false).
    const w: Written = earlier
      ? { p, salesforceId, linkedBy: earlier.linkedBy, modified: [...earlier.modified, ...modified], newUser: false }
      : { p, salesforceId, linkedBy, modified, newUser };
    // Kept until its sets are done, so that a retry still reports how the user was written.
    if (hasEntitlementChanges(p.command)) this.partial.set(p.command, w);
    return w;
  }

  /**
   * After the users exist: their permission-set and group-membership changes, one directory call
   * each. A transient failure keeps the written user (`partial`) and retries them (adding what is
   * held and removing what is gone are no-ops); a refusal fails the command with the user's code,
   * reporting what was done (the mapper retries failures, so they are tried again).
   */
  private async assignSets(written: readonly Written[], attempt: number, retry: Retry[]): Promise<void> {
    const pending = written.filter((w) => hasEntitlementChanges(w.p.command));
    if (pending.length === 0) return;
    // Sets applied are kept at once: should the membership call then fail as a whole, the retry
    // finds them done, and the result still reports them.
    const outcomes = await this.entitlements(
      pending.map((w) => ({ command: w.p.command, userId: w.salesforceId, newUser: w.newUser })),
      false,
      (i, applied) =>
        this.partial.set(pending[i]!.p.command, { ...pending[i]!, modified: [...pending[i]!.modified, ...applied] }),
    );
    pending.forEach((w, i) => {
      const outcome = outcomes[i]!;
      if (outcome.failure?.retriable) {
        // What did change (the sets, say, when the membership call failed) is kept for the result:
        // the retry finds it done and reports nothing for it.
        if (outcome.modified.length > 0)
          this.partial.set(w.p.command, { ...w, modified: [...w.modified, ...outcome.modified] });
        retry.push({ ...w.p, failure: outcome.failure });
      } else this.finishWritten(w, attempt, outcome.modified, outcome.failure);
    });
  }

  /** Each user's entitlement changes, applied (or, in dry run, previewed): see `applyEntitlements`. */
  private entitlements(
    items: readonly EntitlementItem[],
    dryRun: boolean,
    keepDone?: (index: number, modified: ModifiedProperty[]) => void,
  ): Promise<{ modified: ModifiedProperty[]; failure: SalesforceFailure | null }[]> {
    return applyEntitlements(
      items,
      { dryRun, directory: this.deps.directory, call: (operation, size, fn) => this.call(operation, size, fn) },
      keepDone,
    );
  }

  private finishWritten(
    w: Written,
    attempt: number,
    sets: readonly ModifiedProperty[],
    failure: SalesforceFailure | null,
  ): void {
    this.partial.delete(w.p.command);
    this.finish(w.p, attempt, {
      status: failure || (w.notice && w.fails) ? 'failure' : w.notice ? 'warning' : 'success',
      salesforceId: w.salesforceId,
      linkedBy: w.linkedBy,
      modified: [...w.modified, ...sets],
      error: failure ? failureToError(failure) : (w.notice ?? null),
    });
  }

  /** Dry run of existing users with entitlement changes: read what they hold, write nothing. */
  private async previewSets(
    previews: readonly { p: Pending; plan: Plan & { kind: 'update' | 'noop' } }[],
    attempt: number,
  ): Promise<void> {
    if (previews.length === 0) return;
    const outcomes = await this.entitlements(
      previews.map(({ p, plan }) => ({ command: p.command, userId: plan.salesforceId, newUser: false })),
      true,
    );
    previews.forEach(({ p, plan }, i) => {
      const outcome = outcomes[i]!;
      this.finish(p, attempt, {
        status: 'skipped',
        dryRun: true,
        salesforceId: plan.salesforceId,
        linkedBy: plan.linkedBy,
        modified: [...(plan.kind === 'update' ? plan.modified : []), ...outcome.modified],
        error: outcome.failure ? failureToError(outcome.failure) : null,
      });
    });
  }

  private recordFailure(
    p: Pending,
    attempt: number,
    outcome: { ok: false; failure: SalesforceFailure } | undefined,
    salesforceId: string | null,
    linkedBy: LinkedBy,
    retry: Retry[],
  ): void {
    const failure: SalesforceFailure = outcome?.failure ?? {
      code: 'SalesforceRequestFailed',
      message: 'Salesforce returned no result for this record',
      fields: [],
      retriable: true,
    };
    if (failure.retriable) retry.push({ ...p, failure });
    else this.finish(p, attempt, { status: 'failure', salesforceId, linkedBy, error: failureToError(failure) });
  }

  private async query(
    attribute: string,
    values: readonly string[],
    fields: readonly string[],
  ): Promise<ExistingSalesforceUser[]> {
    const out: ExistingSalesforceUser[] = [];
    for (const chunk of chunks(values, this.valuesPerQuery)) {
      out.push(
        ...(await this.call('query', chunk.length, () => this.deps.directory.findUsers(attribute, chunk, fields))),
      );
    }
    return out;
  }

  /**
   * One Salesforce API call: one unit of the shared budget and one slot of the concurrency budget,
   * observed; what Salesforce answered (latency, locked rows, the concurrent limit) moves the limit.
   */
  private async call<T>(operation: ApiOperation, size: number, fn: () => Promise<T>): Promise<T> {
    await this.deps.budget.spend(1);
    const slot = await this.deps.concurrency?.acquire();
    this.observer.batch(operation, size);
    const write = operation === 'create' || operation === 'update';
    const started = this.deps.clock.now();
    try {
      const value = await fn();
      this.observer.apiCall(operation, 'ok');
      await slot?.release({
        write,
        records: size,
        latencyMs: this.deps.clock.now() - started,
        lockedRecords: write ? lockedIn(value) : 0,
        concurrentLimit: false,
      });
      return value;
    } catch (error) {
      this.observer.apiCall(operation, 'error');
      const failure = asCallError(error);
      await slot?.release({
        write,
        records: 0,
        latencyMs: this.deps.clock.now() - started,
        lockedRecords: 0,
        concurrentLimit: failure.failure.code === 'SalesforceConcurrentLimitExceeded',
      });
      throw failure;
    }
  }

  private isDryRun(command: ProvisioningCommandV1): boolean {
    return command.dryRun || this.deps.dryRun === true;
  }

  private finishPlan(p: Pending, attempt: number, plan: Plan): void {
    if (plan.kind === 'done') {
      this.finish(p, attempt, {
        status: plan.status,
        salesforceId: plan.salesforceId,
        linkedBy: plan.linkedBy,
        error: plan.error,
      });
    } else if (plan.kind === 'noop') {
      this.finish(p, attempt, { status: 'success', salesforceId: plan.salesforceId, linkedBy: plan.linkedBy });
    }
  }

  /** A preview: `skipped` (nothing written), with what would be linked and modified. */
  private finishDryRun(p: Pending, attempt: number, plan: Plan): void {
    const base = { status: 'skipped' as const, dryRun: true };
    if (plan.kind === 'create') {
      const modified = [...plan.modified, ...entitlementsOfNewUser(p.command)];
      this.finish(p, attempt, { ...base, salesforceId: null, linkedBy: 'none', modified });
    } else if (plan.kind === 'update') {
      this.finish(p, attempt, {
        ...base,
        salesforceId: plan.salesforceId,
        linkedBy: plan.linkedBy,
        modified: plan.modified,
      });
    } else if (plan.kind === 'noop')
      this.finish(p, attempt, { ...base, salesforceId: plan.salesforceId, linkedBy: plan.linkedBy });
    else {
      this.finish(p, attempt, {
        ...base,
        status: plan.status,
        salesforceId: plan.salesforceId,
        linkedBy: plan.linkedBy,
        error: plan.error,
      });
    }
  }

  private finish(
    p: Pending,
    attempt: number,
    facts: {
      status: ProvisioningResultV1['status'];
      salesforceId: string | null;
      linkedBy: LinkedBy;
      error?: ResultError | null;
      modified?: ProvisioningResultV1['modifiedProperties'];
      dryRun?: boolean;
    },
  ): void {
    const result = resultOf(p.command, {
      status: facts.status,
      salesforceId: facts.salesforceId,
      linkedBy: facts.linkedBy,
      error: facts.error ?? null,
      modifiedProperties: facts.modified ?? [],
      dryRun: facts.dryRun ?? this.isDryRun(p.command),
      attempt,
      startedAt: p.startedAt,
      completedAt: this.deps.clock.now(),
    });
    this.finished.set(p.command, result);
    this.observer.result(result, p.command.issuedAt);
  }
}

/** The written user with the notice its write earned, if any. */
function withNotice(w: Written, from: { readonly notice?: ResultError; readonly fails?: boolean }): Written {
  return from.notice ? { ...w, notice: from.notice, fails: from.fails === true } : w;
}
