import type { ModifiedProperty, ProvisioningCommandV1, ProvisioningResultV1, ResultError } from '@provision/events';
import { failureToError } from './command-parts.ts';
import type { WriterObserver } from './observer.ts';
import { entitlementsOfNewUser, hasEntitlementChanges } from './permission-sets.ts';
import type { LinkedBy, Plan } from './plan.ts';
import type { Clock, SalesforceFailure } from './ports.ts';
import { resultOf } from './result.ts';

/** A command still to answer, and when the batch first took it. */
export interface Pending {
  readonly command: ProvisioningCommandV1;
  readonly startedAt: number;
}

/** A command whose record failed transiently: it is tried again in the next attempt. */
export interface Retry extends Pending {
  readonly failure: SalesforceFailure;
}

/** A command whose user Salesforce holds as wanted (created, updated or already so); its sets may remain. */
export interface Written {
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

/** What a write's result reports besides its status: the notice it earned. */
interface Noticed {
  readonly notice?: ResultError;
  readonly fails?: boolean;
}

/**
 * The results of one batch, one per command, and the users written whose entitlements are still
 * to do (kept across attempts, so that a retry still reports how the user was written).
 */
export class ResultBook {
  readonly finished = new Map<ProvisioningCommandV1, ProvisioningResultV1>();
  private readonly partial = new Map<ProvisioningCommandV1, Written>();
  private readonly clock: Clock;
  private readonly observer: WriterObserver;
  private readonly dryRun: boolean;

  constructor(deps: { clock: Clock; observer: WriterObserver; dryRun: boolean }) {
    this.clock = deps.clock;
    this.observer = deps.observer;
    this.dryRun = deps.dryRun;
  }

  /** `WRITER_DRY_RUN`, or a command asking for a preview. */
  isDryRun(command: ProvisioningCommandV1): boolean {
    return command.dryRun || this.dryRun;
  }

  /** Something of this command was written already (its user, some of its sets): it must finish here. */
  hasWritten(command: ProvisioningCommandV1): boolean {
    return this.partial.has(command);
  }

  /** Entitlement changes applied so far are kept: a retry finds them done, and the result still reports them. */
  keepApplied(w: Written, applied: readonly ModifiedProperty[]): void {
    if (applied.length > 0) this.partial.set(w.p.command, { ...w, modified: [...w.modified, ...applied] });
  }

  /** A written user, merged with what an earlier attempt already did for the same command. */
  written(
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

  /** A written user without entitlements to change is finished at once; the others go to `written`. */
  writtenOrDone(written: Written[], attempt: number, w: Written): void {
    if (hasEntitlementChanges(w.p.command)) written.push(w);
    else this.finishWritten(w, attempt, [], null);
  }

  finishWritten(
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

  /** A record Salesforce refused: retried when transient, else a failure. */
  recordFailure(
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

  /** A command out of retries: a failure, with what was written of it. */
  gaveUp(p: Pending, attempt: number, failure: SalesforceFailure | undefined): void {
    const written = this.partial.get(p.command);
    this.finish(p, attempt, {
      status: 'failure',
      salesforceId: written?.salesforceId ?? null,
      linkedBy: written?.linkedBy ?? 'none',
      error: failure ? failureToError(failure) : null,
      modified: [...(written?.modified ?? [])],
    });
  }

  /** A plan that needs no write: `done` as planned, `noop` a success. */
  finishPlan(p: Pending, attempt: number, plan: Plan): void {
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
  finishDryRun(p: Pending, attempt: number, plan: Plan): void {
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

  finish(
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
      completedAt: this.clock.now(),
    });
    this.finished.set(p.command, result);
    this.observer.result(result, p.command.issuedAt);
  }
}

/** The written user with the notice its write earned, if any. */
export function withNotice(w: Written, from: Noticed): Written {
  return from.notice ? { ...w, notice: from.notice, fails: from.fails === true } : w;
}
