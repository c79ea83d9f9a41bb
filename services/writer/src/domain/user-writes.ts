import type { ResultError } from '@provision/events';
import { type Pending, type ResultBook, type Retry, type Written, withNotice } from './batch-results.ts';
import { chunks } from './command-parts.ts';
import { LicenseCounts, licenseNotice, tickedLicenses, withoutLicenses } from './feature-licences.ts';
import type { MeteredCall } from './metered-call.ts';
import type { Plan } from './plan.ts';
import type { Fields, LinkStore, SalesforceDirectory, SalesforceFailure } from './ports.ts';
import { recommendedActionFor } from './recommended-actions.ts';
import { type Refusal, refusalOf } from './refused-fields.ts';

/** Records in one sObject Collections call (Salesforce's most). */
const COLLECTION = 200;

/**
 * A write call expected to run longer than this is spread when there is room: its users would wait
 * past the quiet-day target (2 s) for the call's end.
 */
export const LONG_WRITE_MS = 2_000;

/**
 * No write call is packed to run longer than this, room or not: Salesforce counts a request of 20 s
 * or more against the org's concurrent long-running limit (25), which every integration of the
 * org shares; half of it leaves room for the slowdown of writes that overlap.
 */
export const MOST_WRITE_MS = 10_000;

/**
 * Records per call for a write of `records`: packed up to `most` a call (whole Collections calls of
 * 200, five to a Composite call, which Salesforce counts as one request) while a packed call is
 * quick, as in an org that answers in milliseconds. A Composite call runs its subrequests one after
 * the other, so a slow org's packed call of 1,000 users takes five times one of 200: at the fastest
 * pace seen, a call is kept under `MOST_WRITE_MS` always, and spread over as many calls of at least
 * 200 as keep each under `LONG_WRITE_MS` as far as the concurrency limit has room. The pace unknown
 * (no write yet), packed.
 */
export function recordsPerCall(
  records: number,
  most: number,
  room: { readonly freeSlots: number; readonly msPerRecord: number | null },
): number {
  if (most <= COLLECTION || records <= COLLECTION || room.msPerRecord === null) return most;
  const collections = Math.ceil(records / COLLECTION);
  const inTime = Math.floor(MOST_WRITE_MS / room.msPerRecord / COLLECTION) * COLLECTION;
  const ceiling = Math.max(COLLECTION, Math.min(most, inTime));
  const fewest = Math.ceil(records / ceiling);
  const quick = Math.ceil((records * room.msPerRecord) / LONG_WRITE_MS);
  const calls = Math.min(collections, Math.max(fewest, Math.min(quick, Math.floor(room.freeSlots))));
  if (calls === fewest) return ceiling;
  return Math.min(ceiling, Math.ceil(collections / calls) * COLLECTION);
}

/** A user to create; `notice` is its result's error (a warning, or a failure when `fails`). */
export interface Create {
  readonly p: Pending;
  readonly fields: Fields;
  readonly plan: Plan & { kind: 'create' };
  readonly notice?: ResultError;
  readonly fails?: boolean;
  /** Fields Salesforce refused on their own (a feature licence, an unknown role). */
  readonly refusal?: Refusal;
}

/** A user to update, likewise. */
export interface Update {
  readonly p: Pending;
  readonly plan: Plan & { kind: 'update' };
  readonly notice?: ResultError;
  readonly fails?: boolean;
  readonly refusal?: Refusal;
}

export interface UserWriteDeps {
  readonly directory: SalesforceDirectory;
  readonly links: Pick<LinkStore, 'setMany'>;
  readonly call: MeteredCall;
  readonly book: ResultBook;
  /** Records per write call (at most 1,000: five Collections calls of 200 in one Composite call). */
  readonly recordsPerCall: number;
  /**
   * The room the fleet's concurrency limit has now (calls) and the fastest write seen (ms per
   * record, null until one). A write that would run long packed is spread over more, smaller calls
   * that run at once, as far as there is room (a Composite call runs its subrequests one after the
   * other); otherwise records are packed up to `recordsPerCall` a call. Unset: always packed.
   */
  readonly room?: () => { readonly freeSlots: number; readonly msPerRecord: number | null };
  /** The mapping's usernameCollision suffix, if any. */
  readonly usernameSuffix?: string | undefined;
  /** Feature licence counts kept between batches; unset: read for every batch that ticks one. */
  readonly licenseCounts?: LicenseCounts | undefined;
}

/**
 * The User records of one attempt, written in calls of up to `recordsPerCall`: each written user goes to
 * `written` (or is finished when it has no entitlements to change), each transient record failure
 * to `retry`, each refusal is finished as a failure.
 */
export class UserWrites {
  private readonly deps: UserWriteDeps;

  constructor(deps: UserWriteDeps) {
    this.deps = deps;
  }

  /**
   * Creates, then updates. The calls of each step run at once, as many as the concurrency budget
   * lets through: each user is in one chunk only, so they are independent. A create refused because
   * another org holds the username is made again with the mapping's suffix; a create or update
   * refused for a feature licence is made again without it.
   */
  async write(
    creates: Create[],
    updates: Update[],
    attempt: number,
    written: Written[],
    retry: Retry[],
  ): Promise<void> {
    await this.countLicenses(creates, updates, written, attempt);
    const room = this.deps.room?.() ?? { freeSlots: 0, msPerRecord: null };
    const per = (records: number) => recordsPerCall(records, this.deps.recordsPerCall, room);
    const collided: Create[] = [];
    const refused: Create[] = [];
    await settleAll(
      chunks(creates, per(creates.length)).map((chunk) =>
        this.create(chunk, attempt, written, retry, collided, refused),
      ),
    );
    // Usernames another org holds: created again with the mapping's suffix, in one more call.
    await settleAll(
      chunks(
        collided.map((c) => this.suffixed(c)),
        per(collided.length),
      ).map((chunk) => this.create(chunk, attempt, written, retry, [], refused)),
    );
    // Feature licences Salesforce had none left of: the users are created without them, in one more call.
    await settleAll(
      chunks(refused.map(createWithoutRefused), per(refused.length)).map((chunk) =>
        this.create(chunk, attempt, written, retry, []),
      ),
    );
    const refusedUpdates: Update[] = [];
    await settleAll(
      chunks(updates, per(updates.length)).map((chunk) => this.update(chunk, attempt, written, retry, refusedUpdates)),
    );
    const again = refusedUpdates.map(updateWithoutRefused);
    // Nothing left to write but the refused fields: the user is as it can be.
    for (const u of again.filter((a) => Object.keys(a.plan.fields).length === 0)) {
      const w = this.deps.book.written(u.p, u.plan.salesforceId, u.plan.linkedBy, [], false);
      this.deps.book.writtenOrDone(written, attempt, withNotice(w, u));
    }
    const rest = again.filter((a) => Object.keys(a.plan.fields).length > 0);
    await settleAll(chunks(rest, per(rest.length)).map((chunk) => this.update(chunk, attempt, written, retry)));
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
    const wants = [
      ...creates.map((c) => tickedLicenses(c.fields)),
      ...updates.map((u) => tickedLicenses(u.plan.fields)),
    ];
    // Without counts kept between batches, every batch reads them (kept for no time at all).
    const counts = this.deps.licenseCounts ?? new LicenseCounts({ maxAgeMs: 0, now: Date.now });
    const shorts = await counts.take(wants, () => this.deps.call('query', 1, read));
    creates.forEach((c, i) => {
      const short = shorts[i] as string[];
      if (short.length === 0) return;
      const { fields, modified } = withoutLicenses(c.fields, c.plan.modified, short);
      creates[i] = { p: c.p, fields, plan: { ...c.plan, fields, modified }, notice: licenseNotice(short, true) };
    });
    const kept: Update[] = [];
    for (const [j, u] of updates.entries()) {
      const short = shorts[creates.length + j] as string[];
      if (short.length === 0) {
        kept.push(u);
        continue;
      }
      const { fields, modified } = withoutLicenses(u.plan.fields, u.plan.modified, short);
      const notice = licenseNotice(short, true);
      if (Object.keys(fields).length > 0) kept.push({ p: u.p, plan: { ...u.plan, fields, modified }, notice });
      else {
        const w = this.deps.book.written(u.p, u.plan.salesforceId, u.plan.linkedBy, [], false);
        this.deps.book.writtenOrDone(written, attempt, { ...w, notice });
      }
    }
    updates.splice(0, updates.length, ...kept);
  }

  /** One create call; a username another org holds goes to `collided` when a suffix may settle it. */
  private async create(
    chunk: readonly Create[],
    attempt: number,
    written: Written[],
    retry: Retry[],
    collided: Create[],
    refused?: Create[],
  ): Promise<void> {
    const { book } = this.deps;
    const outcomes = await this.deps.call('create', chunk.length, () =>
      this.deps.directory.createUsers(chunk.map((c) => c.fields)),
    );
    // Links are stored as soon as Salesforce answers, before any result is emitted or offset committed.
    const links = new Map<string, string>();
    chunk.forEach((c, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) links.set(c.p.command.userId, outcome.id);
    });
    if (links.size > 0) await this.deps.links.setMany(links);
    chunk.forEach((c, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) {
        const w = book.written(c.p, outcome.id, 'created', c.plan.modified, true);
        book.writtenOrDone(written, attempt, withNotice(w, c));
      } else if (this.maySuffix(c.fields, outcome)) collided.push(c);
      else if (refused && refusalOf(c.fields, outcome?.failure))
        refused.push({ ...c, refusal: refusalOf(c.fields, outcome?.failure) as Refusal });
      else book.recordFailure(c.p, attempt, outcome, null, 'none', retry);
    });
  }

  /** One update call; a record refused for a feature licence goes to `refused` (when given). */
  private async update(
    chunk: readonly Update[],
    attempt: number,
    written: Written[],
    retry: Retry[],
    refused?: Update[],
  ): Promise<void> {
    const { book } = this.deps;
    const outcomes = await this.deps.call('update', chunk.length, () =>
      this.deps.directory.updateUsers(chunk.map((u) => ({ id: u.plan.salesforceId, fields: u.plan.fields }))),
    );
    chunk.forEach((u, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) {
        const w = book.written(u.p, u.plan.salesforceId, u.plan.linkedBy, u.plan.modified, false);
        book.writtenOrDone(written, attempt, withNotice(w, u));
      } else if (refused && refusalOf(u.plan.fields, outcome?.failure)) {
        refused.push({ ...u, refusal: refusalOf(u.plan.fields, outcome?.failure) as Refusal });
      } else book.recordFailure(u.p, attempt, outcome, u.plan.salesforceId, u.plan.linkedBy, retry);
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
}

/** Waits for every call (none is left running behind a retry), then throws the first failure. */
async function settleAll(calls: readonly Promise<void>[]): Promise<void> {
  const settled = await Promise.allSettled(calls);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
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
