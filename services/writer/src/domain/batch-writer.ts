import type { ModifiedProperty, ProvisioningCommandV1, ProvisioningResultV1 } from '@provision/events';
import { nextDelay, type RetryPolicy, SALESFORCE_POLICY } from '@provision/retry';
import { type Pending, ResultBook, type Retry, type Written } from './batch-results.ts';
import { chunks, failureToError, withoutFields, withWarnings } from './command-parts.ts';
import type { ConcurrencyLimiter } from './concurrency.ts';
import { applyEntitlements, type EntitlementItem } from './entitlement-steps.ts';
import { asCallError, type SalesforceCallError } from './errors.ts';
import type { LicenseCounts } from './feature-licences.ts';
import { type MeteredCall, meteredCall } from './metered-call.ts';
import { NO_OBSERVER, type WriterObserver } from './observer.ts';
import { hasEntitlementChanges } from './permission-sets.ts';
import { type Plan, planCommand } from './plan.ts';
import type {
  Clock,
  ExistingSalesforceUser,
  LinkStore,
  RateBudget,
  SalesforceDirectory,
  SalesforceFailure,
} from './ports.ts';
import { resolveUsers } from './resolve-users.ts';
import { roundsOf } from './result.ts';
import { type Create, type Update, UserWrites } from './user-writes.ts';

export interface BatchWriterDeps {
  readonly directory: SalesforceDirectory;
  readonly links: LinkStore;
  readonly budget: RateBudget;
  readonly clock: Clock;
  /** `WRITER_DRY_RUN`: every command is a preview. */
  readonly dryRun?: boolean;
  /**
   * Records per write call: the directory sends up to 200 as one sObject Collections call and up to
   * 1,000 as five of them in one Composite call (one API request). Default and most: 1,000.
   */
  readonly recordsPerCall?: number;
  /** Values per SOQL `IN (…)` query. */
  readonly valuesPerQuery?: number;
  readonly retryPolicy?: RetryPolicy;
  readonly random?: () => number;
  readonly observer?: WriterObserver;
  /** How many calls may run at once (shared by the fleet, adapting to Salesforce); unset: no limit. */
  readonly concurrency?: ConcurrencyLimiter;
  /** The batch holds live or on-demand commands: its calls take slots of the urgent reserve. */
  readonly urgent?: boolean;
  /**
   * The mapping's usernameCollision suffix: a create refused because another org holds the username
   * is made again with the suffix appended (a warning in the log), and such users are found suffixed.
   */
  readonly usernameSuffix?: string | undefined;
  /**
   * A record Salesforce refused transiently (`UNABLE_TO_LOCK_ROW`: sharing recalculation of other
   * writes held the rows), with nothing of its command written yet: true gives the command back
   * unanswered (`deferred`), to go with a later batch, instead of retrying it in this one after a
   * backoff — which holds the batch, and its slot, while it waits, then sends the few records alone
   * in a call (and a query) of their own. Unset or false: retried here, as before.
   */
  readonly deferRecord?: (command: ProvisioningCommandV1, failure: SalesforceFailure) => boolean;
  /** Feature licence counts kept between batches (see `LicenseCounts`); unset: read for every batch. */
  readonly licenseCounts?: LicenseCounts;
}

/** What a batch came to: a result per command answered, and the commands given back for later. */
export interface BatchOutcome {
  readonly results: ReadonlyMap<ProvisioningCommandV1, ProvisioningResultV1>;
  /** Unanswered on purpose (`deferRecord`), with what Salesforce said; nothing of them was written. */
  readonly deferred: ReadonlyMap<ProvisioningCommandV1, SalesforceFailure | null>;
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

const MAX_RECORDS_PER_CALL = 1000;

/**
 * Writes one batch of commands to Salesforce and answers each with exactly one result, in input
 * order. Per round (each user at most once, so a user's commands stay ordered):
 *
 * 1. stored links (one Redis read), then the linked users and the unlinked users' matching values
 *    (one SOQL query per `valuesPerQuery` values);
 * 2. a plan per command (pure: create, update of the differing fields, nothing, skip);
 * 3. creates and updates in calls of at most 1,000 records (five sObject Collections calls of 200 in
 *    one Composite call); links are stored as soon as Salesforce answers, before any result is
 *    emitted or offset committed;
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
  const { results } = await writeBatchDeferring(commands, { ...deps, deferRecord: undefined });
  return commands.map((c) => {
    const result = results.get(c);
    if (!result) throw new Error(`no result for command ${c.commandId}`);
    return result;
  });
}

/**
 * `writeBatch`, where a command may also be given back unanswered (`deps.deferRecord`): each
 * command of the batch has either a result or a place in `deferred`.
 */
export async function writeBatchDeferring(
  commands: readonly ProvisioningCommandV1[],
  deps: BatchWriterDeps,
): Promise<BatchOutcome> {
  const unsupported = deps.directory.unsupportedFields ?? new Set<string>();
  const effective = commands.map((c) => withoutFields(c, unsupported));
  const run = new BatchRun(deps);
  try {
    for (const round of roundsOf(effective)) {
      // A user's later command waits for the one given back: it goes back with it, still in order.
      await run.round(round.filter((c) => !run.deferUser(c)));
    }
  } catch (error) {
    if (!(error instanceof JobHaltedError)) throw error;
    const finished = new Map<ProvisioningCommandV1, ProvisioningResultV1>();
    commands.forEach((c, i) => {
      const result = run.finished.get(effective[i] as ProvisioningCommandV1);
      if (result) finished.set(c, withWarnings(c, result, unsupported));
    });
    throw new JobHaltedError(error.cause, finished);
  }
  const results = new Map<ProvisioningCommandV1, ProvisioningResultV1>();
  const deferred = new Map<ProvisioningCommandV1, SalesforceFailure | null>();
  commands.forEach((c, i) => {
    const e = effective[i] as ProvisioningCommandV1;
    const result = run.finished.get(e);
    if (result) results.set(c, withWarnings(c, result, unsupported));
    else if (run.deferred.has(e)) deferred.set(c, run.deferred.get(e) ?? null);
    else throw new Error(`no result for command ${c.commandId}`);
  });
  return { results, deferred };
}

/**
 * One batch's rounds: each attempt resolves, plans and writes the pending commands
 * (`UserWrites`), then their entitlements; what failed transiently is tried again after a backoff.
 */
class BatchRun {
  private readonly deps: BatchWriterDeps;
  private readonly book: ResultBook;
  private readonly call: MeteredCall;
  private readonly writes: UserWrites;
  private readonly valuesPerQuery: number;
  private readonly policy: RetryPolicy;
  private readonly planOptions: { readonly usernameSuffix?: string | undefined };

  constructor(deps: BatchWriterDeps) {
    this.deps = deps;
    const observer = deps.observer ?? NO_OBSERVER;
    this.book = new ResultBook({ clock: deps.clock, observer, dryRun: deps.dryRun === true });
    this.call = meteredCall({
      budget: deps.budget,
      concurrency: deps.concurrency,
      urgent: deps.urgent,
      observer,
      clock: deps.clock,
    });
    this.writes = new UserWrites({
      directory: deps.directory,
      links: deps.links,
      call: this.call,
      book: this.book,
      recordsPerCall: Math.min(MAX_RECORDS_PER_CALL, deps.recordsPerCall ?? MAX_RECORDS_PER_CALL),
      room: () => {
        const view = deps.concurrency?.view?.();
        return {
          freeSlots: view ? Math.max(0, Math.floor(view.limit) - view.inFlight) : 0,
          msPerRecord: view?.msPerRecord ?? null,
        };
      },
      usernameSuffix: deps.usernameSuffix,
      licenseCounts: deps.licenseCounts,
    });
    this.valuesPerQuery = deps.valuesPerQuery ?? 500;
    this.policy = deps.retryPolicy ?? SALESFORCE_POLICY;
    this.planOptions = { usernameSuffix: deps.usernameSuffix };
  }

  get finished(): ReadonlyMap<ProvisioningCommandV1, ProvisioningResultV1> {
    return this.book.finished;
  }

  /** Commands given back unanswered (`deferRecord`), with the failure that sent them back. */
  readonly deferred = new Map<ProvisioningCommandV1, SalesforceFailure | null>();
  private readonly deferredUsers = new Set<string>();

  /** True, and the command deferred too, when an earlier command of its user was deferred. */
  deferUser(command: ProvisioningCommandV1): boolean {
    if (!this.deferredUsers.has(command.userId)) return false;
    this.deferred.set(command, null);
    return true;
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
        if (requestFailure.jobLevel) throw new JobHaltedError(requestFailure, this.book.finished);
      }
      if (!requestFailure && this.deps.deferRecord) {
        for (const r of retryRecords) {
          if (this.book.hasWritten(r.command) || !this.deps.deferRecord(r.command, r.failure)) continue;
          this.deferred.set(r.command, r.failure);
          this.deferredUsers.add(r.command.userId);
        }
      }
      const unfinished = pending.filter((p) => !this.book.finished.has(p.command) && !this.deferred.has(p.command));
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
        for (const p of unfinished) this.book.gaveUp(p, attempt, requestFailure?.failure ?? failures.get(p.command));
        return;
      }
      await this.deps.clock.sleep(decision.delayMs);
      pending = unfinished;
    }
  }

  /** One pass over the pending commands; returns those whose record failed transiently. */
  private async attempt(pending: readonly Pending[], attempt: number): Promise<Retry[]> {
    const { book } = this;
    const active = pending.filter((p) => {
      if (p.command.action !== 'skip') return true;
      book.finishPlan(p, attempt, planCommand(p.command, { kind: 'none' }, this.planOptions));
      return false;
    });
    if (active.length === 0) return [];
    const resolutions = await resolveUsers(
      active.map((p) => p.command),
      {
        links: this.deps.links,
        query: (attribute, values, fields) => this.query(attribute, values, fields),
        ...(this.deps.directory.findUsersEach
          ? { queryEach: (lookups, fields) => this.queryEach(lookups, fields) }
          : {}),
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
        !book.isDryRun(p.command)
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
      if (book.isDryRun(p.command)) {
        if ((plan.kind === 'update' || plan.kind === 'noop') && hasEntitlementChanges(p.command))
          previews.push({ p, plan });
        else book.finishDryRun(p, attempt, plan);
      } else if (plan.kind === 'create') creates.push({ p, fields: plan.fields, plan });
      else if (plan.kind === 'update') updates.push({ p, plan });
      else if (plan.kind === 'noop' && hasEntitlementChanges(p.command))
        written.push(book.written(p, plan.salesforceId, plan.linkedBy, [], false));
      else book.finishPlan(p, attempt, plan);
    }
    await this.previewSets(previews, attempt);
    const retry: Retry[] = [];
    await this.writes.write(creates, updates, attempt, written, retry);
    await this.assignSets(written, attempt, retry);
    return retry;
  }

  /**
   * After the users exist: their permission-set and group-membership changes, one directory call
   * each. A transient failure keeps the written user and retries them (adding what is held and
   * removing what is gone are no-ops); a refusal fails the command with the user's code, reporting
   * what was done (the mapper retries failures, so they are tried again).
   */
  private async assignSets(written: readonly Written[], attempt: number, retry: Retry[]): Promise<void> {
    const pending = written.filter((w) => hasEntitlementChanges(w.p.command));
    if (pending.length === 0) return;
    // Sets applied are kept at once: should the membership call then fail as a whole, the retry
    // finds them done, and the result still reports them.
    const outcomes = await this.entitlements(
      pending.map((w) => ({ command: w.p.command, userId: w.salesforceId, newUser: w.newUser })),
      false,
      (i, applied) => this.book.keepApplied(pending[i]!, applied),
    );
    pending.forEach((w, i) => {
      const outcome = outcomes[i]!;
      if (outcome.failure?.retriable) {
        // What did change (the sets, say, when the membership call failed) is kept for the result:
        // the retry finds it done and reports nothing for it.
        this.book.keepApplied(w, outcome.modified);
        retry.push({ ...w.p, failure: outcome.failure });
      } else this.book.finishWritten(w, attempt, outcome.modified, outcome.failure);
    });
  }

  /** Each user's entitlement changes, applied (or, in dry run, previewed): see `applyEntitlements`. */
  private entitlements(
    items: readonly EntitlementItem[],
    dryRun: boolean,
    keepDone?: (index: number, modified: ModifiedProperty[]) => void,
  ): Promise<{ modified: ModifiedProperty[]; failure: SalesforceFailure | null }[]> {
    return applyEntitlements(items, { dryRun, directory: this.deps.directory, call: this.call }, keepDone);
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
      this.book.finish(p, attempt, {
        status: 'skipped',
        dryRun: true,
        salesforceId: plan.salesforceId,
        linkedBy: plan.linkedBy,
        modified: [...(plan.kind === 'update' ? plan.modified : []), ...outcome.modified],
        error: outcome.failure ? failureToError(outcome.failure) : null,
      });
    });
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

  /** Several lookups in one metered call (the directory packs them into as few requests as fit). */
  private async queryEach(
    lookups: readonly { readonly attribute: string; readonly values: readonly string[] }[],
    fields: readonly string[],
  ): Promise<ExistingSalesforceUser[][]> {
    const parts = lookups.flatMap((l, owner) =>
      chunks(l.values, this.valuesPerQuery).map((values) => ({ owner, attribute: l.attribute, values })),
    );
    const total = parts.reduce((n, p) => n + p.values.length, 0);
    const found = await this.call('query', total, () =>
      this.deps.directory.findUsersEach!(
        parts.map(({ attribute, values }) => ({ attribute, values })),
        fields,
      ),
    );
    return lookups.map((_, owner) => parts.flatMap((p, i) => (p.owner === owner ? (found[i] ?? []) : [])));
  }
}
