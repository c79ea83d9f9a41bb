import { classifySalesforceError, salesforceError } from './classify.ts';
import { SalesforceGatewayError } from './gateway-error.ts';
import { flatten } from './records.ts';
import type {
  AssignPermissionSetsOptions,
  PermissionSetChange,
  PermissionSetResult,
  SalesforceError,
} from './types.ts';

type Rec = Record<string, unknown>;

/** An assignable permission set: its id and its API name as the org spells it. */
export interface NamedSet {
  readonly id: string;
  readonly name: string;
}

/** What assigning needs from the adapter: each method is one or a few API calls. */
export interface AssignmentClient {
  /** Every row of `prefix WHERE field IN (values)`, split as the URI limit requires. */
  queryIn(prefix: string, field: string, values: readonly string[]): Promise<Rec[]>;
  /** Assignable permission sets by lower-cased name; `refresh` reloads a cached list. */
  permissionSets(refresh: boolean): Promise<ReadonlyMap<string, NamedSet>>;
  /** Drops the cached set list (a cached set turned out to be deleted). */
  forgetPermissionSets(): void;
  /** One Collections insert of PermissionSetAssignments (≤ batchSize); raw SaveResults in order. */
  insert(records: readonly Rec[]): Promise<unknown[]>;
  /** One Collections delete (≤ batchSize ids); raw SaveResults in order. */
  remove(ids: readonly string[]): Promise<unknown[]>;
  readonly batchSize: number;
}

// Assigning a set twice and removing one that is already gone change nothing: not failures.
const HARMLESS_INSERT = new Set(['DUPLICATE_VALUE']);
const HARMLESS_DELETE = new Set(['ENTITY_IS_DELETED']);

interface UserState {
  readonly change: PermissionSetChange;
  /** Lower-cased set name → assignment id, of the sets the user holds now. */
  readonly held: Map<string, { id: string; name: string }>;
  before: string[];
  errors: SalesforceError[];
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function key15(id: string): string {
  return id.slice(0, 15);
}

function sorted(names: Iterable<string>): string[] {
  return [...names].sort();
}

function saveOk(
  raw: unknown,
  harmless: ReadonlySet<string>,
): { ok: true; id?: string } | { ok: false; error: SalesforceError } {
  const r = (raw ?? {}) as { success?: boolean; id?: string | null; errors?: { statusCode?: string }[] };
  if (r.success === true) return { ok: true, ...(typeof r.id === 'string' ? { id: r.id } : {}) };
  const first = r.errors?.[0];
  if (first?.statusCode && harmless.has(first.statusCode)) return { ok: true };
  return {
    ok: false,
    error: first
      ? classifySalesforceError(first)
      : salesforceError('SalesforceUnknown', 'Salesforce reported a failure without errors'),
  };
}

/**
 * Adds and removes permission-set assignments for many users with few calls: the set list (cached
 * by the client), one query of the users' assignments (none for new users), Collections inserts and
 * deletes of up to 200 rows. Adding what a user holds and removing what it lacks send nothing.
 */
export async function assignPermissionSets(
  client: AssignmentClient,
  changes: readonly PermissionSetChange[],
  options: AssignPermissionSetsOptions = {},
): Promise<PermissionSetResult[]> {
  const states = changes.map((change): UserState => ({ change, held: new Map(), before: [], errors: [] }));
  const active = states.filter((s) => s.change.add.length + s.change.remove.length > 0);
  if (active.length === 0) return states.map((s) => ({ ok: true, userId: s.change.userId, before: [], after: [] }));

  let sets: ReadonlyMap<string, NamedSet>;
  try {
    sets = await client.permissionSets(false);
    if (active.some((s) => s.change.add.some((n) => !sets.has(n.toLowerCase()))))
      sets = await client.permissionSets(true);
    const known = active.filter((s) => !s.change.newUser).map((s) => s.change.userId);
    if (known.length > 0) {
      const rows = await client.queryIn(
        'SELECT Id, AssigneeId, PermissionSetId, PermissionSet.Name, PermissionSet.IsOwnedByProfile FROM PermissionSetAssignment',
        'AssigneeId',
        known,
      );
      const byUser = new Map(active.map((s) => [key15(s.change.userId), s]));
      for (const row of rows.map((r) => flatten(r))) {
        // Profile-owned sets come with the profile: not Provision's to add or remove.
        if (row['PermissionSet.IsOwnedByProfile'] === true) continue;
        const state = byUser.get(key15(String(row['AssigneeId'])));
        const name = String(row['PermissionSet.Name'] ?? '');
        if (state && name !== '') state.held.set(name.toLowerCase(), { id: String(row['Id']), name });
      }
    }
  } catch (error) {
    const failure = SalesforceGatewayError.from(error).salesforce;
    return states.map((s) =>
      active.includes(s)
        ? { ok: false, userId: s.change.userId, error: failure, errors: [failure] }
        : { ok: true, userId: s.change.userId, before: [], after: [] },
    );
  }

  const inserts: { state: UserState; set: NamedSet }[] = [];
  const deletes: { state: UserState; id: string; name: string }[] = [];
  for (const state of active) {
    state.before = sorted([...state.held.values()].map((h) => h.name));
    for (const name of new Set(state.change.add)) {
      const set = sets.get(name.toLowerCase());
      if (!set) {
        state.errors.push(
          salesforceError('SalesforceUnknownPermissionSet', `No assignable permission set named '${name}' in the org`, [
            'PermissionSets',
          ]),
        );
      } else if (!state.held.has(set.name.toLowerCase()) && !inserts.some((i) => i.state === state && i.set === set)) {
        inserts.push({ state, set });
      }
    }
    for (const name of new Set(state.change.remove)) {
      const held = state.held.get(name.toLowerCase());
      // Added and removed in one change: the removal wins only for what is already held.
      if (held && !state.change.add.some((a) => a.toLowerCase() === name.toLowerCase()))
        deletes.push({ state, id: held.id, name: held.name });
    }
  }

  if (!options.dryRun) {
    for (const chunk of chunks(inserts, client.batchSize)) {
      let saved: unknown[];
      try {
        saved = await client.insert(
          chunk.map((i) => ({ AssigneeId: i.state.change.userId, PermissionSetId: i.set.id })),
        );
      } catch (error) {
        const failure = classifySalesforceError(error);
        for (const i of chunk) i.state.errors.push(failure);
        continue;
      }
      chunk.forEach((i, n) => {
        const outcome = saveOk(saved[n], HARMLESS_INSERT);
        if (outcome.ok) i.state.held.set(i.set.name.toLowerCase(), { id: outcome.id ?? '', name: i.set.name });
        else {
          i.state.errors.push(outcome.error);
          // The set was deleted since the list was cached: the next change reads the list again.
          if (
            outcome.error.salesforceCode === 'INVALID_CROSS_REFERENCE_KEY' &&
            outcome.error.fields.includes('PermissionSetId')
          )
            client.forgetPermissionSets();
        }
      });
    }
    for (const chunk of chunks(deletes, client.batchSize)) {
      let removed: unknown[];
      try {
        removed = await client.remove(chunk.map((d) => d.id));
      } catch (error) {
        const failure = classifySalesforceError(error);
        for (const d of chunk) d.state.errors.push(failure);
        continue;
      }
      chunk.forEach((d, n) => {
        const outcome = saveOk(removed[n], HARMLESS_DELETE);
        if (outcome.ok) d.state.held.delete(d.name.toLowerCase());
        else d.state.errors.push(outcome.error);
      });
    }
  } else {
    for (const i of inserts) i.state.held.set(i.set.name.toLowerCase(), { id: '', name: i.set.name });
    for (const d of deletes) d.state.held.delete(d.name.toLowerCase());
  }

  return states.map((s): PermissionSetResult => {
    const after = sorted([...s.held.values()].map((h) => h.name));
    const userId = s.change.userId;
    if (s.errors.length === 0) return { ok: true, userId, before: s.before, after };
    // A refusal of the record explains more than an unknown name found before any call.
    const error = s.errors.find((e) => e.code !== 'SalesforceUnknownPermissionSet') ?? s.errors[0]!;
    return { ok: false, userId, before: s.before, after, error, errors: s.errors };
  });
}
