import { classifySalesforceError, salesforceError } from './classify.ts';
import type { SalesforceErrorCode } from './error-codes.ts';
import { SalesforceGatewayError } from './gateway-error.ts';
import { flatten } from './records.ts';
import type { SalesforceError } from './types.ts';

type Rec = Record<string, unknown>;

/** A grantable record of the org (permission set, group, licence…): its id and its name as the org spells it. */
export interface NamedSet {
  readonly id: string;
  readonly name: string;
  /** Other fields the kind needs (a licence's counts, a group's status), as read. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** What reading and writing junction rows needs from the adapter: each method is one or a few API calls. */
export interface RowsClient {
  /** Every row of `prefix WHERE field IN (values)`, split as the URI limit requires. */
  queryIn(prefix: string, field: string, values: readonly string[]): Promise<Rec[]>;
  /** One Collections insert of junction rows (≤ batchSize); raw SaveResults in order. */
  insert(records: readonly Rec[]): Promise<unknown[]>;
  /** One Collections delete (≤ batchSize ids); raw SaveResults in order. */
  remove(ids: readonly string[]): Promise<unknown[]>;
  readonly batchSize: number;
}

/**
 * One kind of junction row between a user and something granted (PermissionSetAssignment,
 * GroupMember, PermissionSetLicenseAssign…): how to read the rows, name what they grant, and write them.
 */
export interface RowKind<Ref> {
  /** `SELECT … FROM Object`: the held rows, filtered by `userField IN (…)`. */
  readonly query: string;
  /** The row's user reference (`AssigneeId`, `UserOrGroupId`). */
  readonly userField: string;
  /** What a flattened row grants, or undefined for a row that is not this kind's to manage. */
  heldOf(row: Rec): Ref | undefined;
  /** The catalogue key of a reference (case-insensitive names are lower-cased). */
  keyOf(ref: Ref): string;
  /** The org's grantable records by key; `refresh` reloads a cached list. */
  catalogue(refresh: boolean): Promise<ReadonlyMap<string, NamedSet>>;
  /** Drops a cached catalogue (one of its records turned out to be deleted). */
  forget(): void;
  /** The row to insert for a user and a catalogue record. */
  record(userId: string, target: NamedSet): Rec;
  /** The reference as the org spells it. */
  canonical(ref: Ref, target: NamedSet): Ref;
  /** The failure of a reference the catalogue lacks (`deleted`: it vanished since the list was read). */
  unknown(ref: Ref, deleted: boolean): SalesforceError;
  /** The reference field whose INVALID_CROSS_REFERENCE_KEY says the target was deleted. */
  readonly targetField: string;
  /** Whether a target deleted since the list was read is reported as `unknown` (else Salesforce's own error). */
  readonly deletedIsUnknown: boolean;
  /**
   * Refusals decided before any write, in order of the inserts (a licence none of which is left,
   * say); undefined lets the insert go. Counts what this batch already took.
   */
  refuse?(inserts: readonly { readonly ref: Ref; readonly target: NamedSet }[]): (SalesforceError | undefined)[];
  /**
   * `refuse` counts from a cached catalogue: before anything is refused, the catalogue is read
   * afresh and counted again, so what is kept only ever lets an insert through.
   */
  readonly recountFresh?: boolean;
  /** An insert of this target was saved (a kind counting from a cached catalogue counts it down). */
  took?(target: NamedSet): void;
  /** Salesforce's refusal of one insert, said in the kind's terms (which licence ran out, say). */
  explain?(error: SalesforceError, target: NamedSet): SalesforceError;
}

/** The catalogue half of a kind whose references are names, matched case-insensitively. */
export function salesforceNames(
  names: Pick<RowKind<string>, 'catalogue' | 'forget'>,
): Pick<RowKind<string>, 'catalogue' | 'forget' | 'keyOf' | 'canonical'> {
  return {
    catalogue: names.catalogue,
    forget: names.forget,
    keyOf: (name) => name.toLowerCase(),
    canonical: (_name, target) => target.name,
  };
}

/**
 * A kind whose references are DeveloperNames reached from an `AssigneeId` junction row through
 * `targetField` (PermissionSetAssignment.PermissionSetGroupId, PermissionSetLicenseAssign.PermissionSetLicenseId).
 */
export function developerNameKind(spec: {
  readonly names: Pick<RowKind<string>, 'catalogue' | 'forget'>;
  /** The junction object. */
  readonly object: string;
  /** The junction's reference to what it grants, and that reference's relationship name. */
  readonly targetField: string;
  readonly relationship: string;
  /** The object granted and how people call it (`PermissionSetGroup`, `permission set group`). */
  readonly target: string;
  readonly label: string;
  /** The code and pseudo-field of a name the org lacks. */
  readonly unknownCode: SalesforceErrorCode;
  readonly field: string;
}): RowKind<string> {
  const path = `${spec.relationship}.DeveloperName`;
  return {
    ...salesforceNames(spec.names),
    query: `SELECT Id, AssigneeId, ${spec.targetField}, ${path} FROM ${spec.object}`,
    userField: 'AssigneeId',
    heldOf: (row) => {
      const name = row[path];
      return typeof name === 'string' && name !== '' && typeof row[spec.targetField] === 'string' ? name : undefined;
    },
    record: (userId, target) => ({ AssigneeId: userId, [spec.targetField]: target.id }),
    unknown: (name, deleted) =>
      salesforceError(
        spec.unknownCode,
        deleted
          ? `The ${spec.label} '${name}' no longer exists in the org`
          : `No ${spec.label} (${spec.target} DeveloperName) '${name}' in the org`,
        [spec.field],
      ),
    targetField: spec.targetField,
    deletedIsUnknown: true,
  };
}

/** What one user gets and loses. */
export interface RowChange<Ref> {
  readonly userId: string;
  readonly add: readonly Ref[];
  readonly remove: readonly Ref[];
  /** Created moments ago: holds no row yet, so its rows are not queried. */
  readonly newUser?: boolean;
}

/** What happened to one user: the references held before and after, unsorted; the failures met. */
export interface RowOutcome<Ref> {
  readonly userId: string;
  readonly before: Ref[];
  readonly after: Ref[];
  readonly errors: SalesforceError[];
  /** The whole call failed before anything was read (before and after are then unknown). */
  readonly failedEarly: boolean;
}

// Adding what is held and removing what is already gone change nothing: not failures.
const HARMLESS_INSERT = new Set(['DUPLICATE_VALUE']);
const HARMLESS_DELETE = new Set(['ENTITY_IS_DELETED']);

interface UserState<Ref> {
  readonly change: RowChange<Ref>;
  /** Key → the row id and the reference, of what the user holds now. */
  readonly held: Map<string, { id: string; ref: Ref }>;
  before: Ref[];
  errors: SalesforceError[];
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const key15 = (id: string) => id.slice(0, 15);

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
 * The references each user holds, by user id as given (15 or 18 characters): one query of the
 * kind's rows, split as the URI limit requires. Reads only.
 */
export async function readRows<Ref>(
  client: Pick<RowsClient, 'queryIn'>,
  kind: Pick<RowKind<Ref>, 'query' | 'userField' | 'heldOf'>,
  userIds: readonly string[],
): Promise<Map<string, Ref[]>> {
  const out = new Map<string, Ref[]>(userIds.map((id) => [id, []]));
  const wanted = userIds.filter((id) => typeof id === 'string' && id !== '');
  if (wanted.length === 0) return out;
  const rows = await client.queryIn(kind.query, kind.userField, wanted);
  // Salesforce answers 18-character ids; the caller may have given 15.
  const byKey = new Map(wanted.map((id) => [key15(id), id]));
  for (const row of rows.map((r) => flatten(r))) {
    const id = byKey.get(key15(String(row[kind.userField])));
    const ref = kind.heldOf(row);
    if (id !== undefined && ref !== undefined) out.get(id)?.push(ref);
  }
  return out;
}

/**
 * Adds and removes one kind of junction row for many users with few calls: the catalogue (cached
 * by the kind, read again once when a name is unknown), one query of the users' rows (none for new
 * users), Collections inserts and deletes of up to `batchSize` rows. Adding what a user holds and
 * removing what it lacks send nothing; added and removed in one change, the add wins. With
 * `dryRun`, reads only: `after` is what the user would hold.
 */
export async function assignRows<Ref>(
  client: RowsClient,
  kind: RowKind<Ref>,
  changes: readonly RowChange<Ref>[],
  options: { readonly dryRun?: boolean } = {},
): Promise<RowOutcome<Ref>[]> {
  const states = changes.map((change): UserState<Ref> => ({ change, held: new Map(), before: [], errors: [] }));
  const active = states.filter((s) => s.change.add.length + s.change.remove.length > 0);
  const outcome = (s: UserState<Ref>, failedEarly = false): RowOutcome<Ref> => ({
    userId: s.change.userId,
    before: s.before,
    after: [...s.held.values()].map((h) => h.ref),
    errors: s.errors,
    failedEarly,
  });
  if (active.length === 0) return states.map((s) => outcome(s));
  // A read before any write failed: every active change fails with it, nothing written.
  const failedEarly = (error: unknown): RowOutcome<Ref>[] => {
    const failure = SalesforceGatewayError.from(error).salesforce;
    for (const s of active) s.errors.push(failure);
    return states.map((s) => outcome(s, active.includes(s)));
  };

  // The catalogue names what to add: changes that only remove need none (under authoritative,
  // most commands only name what to take away).
  let catalogue: ReadonlyMap<string, NamedSet> = new Map();
  try {
    if (active.some((s) => s.change.add.length > 0)) catalogue = await kind.catalogue(false);
    if (active.some((s) => s.change.add.some((r) => !catalogue.has(kind.keyOf(r)))))
      catalogue = await kind.catalogue(true);
    const known = active.filter((s) => !s.change.newUser).map((s) => s.change.userId);
    if (known.length > 0) {
      const held = await readRowIds(client, kind, known);
      const byUser = new Map(active.map((s) => [key15(s.change.userId), s]));
      for (const h of held) byUser.get(key15(h.userId))?.held.set(kind.keyOf(h.ref), { id: h.id, ref: h.ref });
    }
  } catch (error) {
    return failedEarly(error);
  }

  const inserts: { state: UserState<Ref>; target: NamedSet; ref: Ref }[] = [];
  const deletes: { state: UserState<Ref>; id: string; key: string }[] = [];
  for (const state of active) {
    state.before = [...state.held.values()].map((h) => h.ref);
    const adding = new Set(state.change.add.map((r) => kind.keyOf(r)));
    for (const wanted of state.change.add) {
      const target = catalogue.get(kind.keyOf(wanted));
      if (!target) state.errors.push(kind.unknown(wanted, false));
      else if (!state.held.has(kind.keyOf(wanted)) && !inserts.some((i) => i.state === state && i.target === target))
        inserts.push({ state, target, ref: kind.canonical(wanted, target) });
    }
    for (const leaving of state.change.remove) {
      const held = state.held.get(kind.keyOf(leaving));
      if (held && !adding.has(kind.keyOf(leaving)) && !deletes.some((d) => d.id === held.id))
        deletes.push({ state, id: held.id, key: kind.keyOf(leaving) });
    }
  }
  // Refused before any call (a licence with none left): the rest goes ahead.
  let refusals = kind.refuse?.(inserts) ?? [];
  if (kind.recountFresh && refusals.some(Boolean)) {
    try {
      const fresh = await kind.catalogue(true);
      for (const i of inserts) i.target = fresh.get(kind.keyOf(i.ref)) ?? i.target;
      refusals = kind.refuse?.(inserts) ?? [];
    } catch (error) {
      return failedEarly(error);
    }
  }
  const allowed = inserts.filter((i, n) => {
    const refusal = refusals[n];
    if (refusal) i.state.errors.push(refusal);
    return !refusal;
  });

  if (options.dryRun) {
    for (const i of allowed) i.state.held.set(kind.keyOf(i.ref), { id: '', ref: i.ref });
    for (const d of deletes) d.state.held.delete(d.key);
    return states.map((s) => outcome(s));
  }
  for (const chunk of chunks(allowed, client.batchSize)) {
    let saved: unknown[];
    try {
      saved = await client.insert(chunk.map((i) => kind.record(i.state.change.userId, i.target)));
    } catch (error) {
      const failure = classifySalesforceError(error);
      for (const i of chunk) i.state.errors.push(failure);
      continue;
    }
    chunk.forEach((i, n) => {
      const result = saveOk(saved[n], HARMLESS_INSERT);
      if (result.ok) {
        i.state.held.set(kind.keyOf(i.ref), { id: result.id ?? '', ref: i.ref });
        kind.took?.(i.target);
      } else if (
        result.error.salesforceCode === 'INVALID_CROSS_REFERENCE_KEY' &&
        result.error.fields.includes(kind.targetField)
      ) {
        // Deleted since the list was cached: the next change reads the list again.
        kind.forget();
        i.state.errors.push(kind.deletedIsUnknown ? kind.unknown(i.ref, true) : result.error);
      } else i.state.errors.push(kind.explain ? kind.explain(result.error, i.target) : result.error);
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
      const result = saveOk(removed[n], HARMLESS_DELETE);
      if (result.ok) d.state.held.delete(d.key);
      else d.state.errors.push(result.error);
    });
  }
  return states.map((s) => outcome(s));
}

/** The held rows of these users with their ids. */
async function readRowIds<Ref>(
  client: Pick<RowsClient, 'queryIn'>,
  kind: Pick<RowKind<Ref>, 'query' | 'userField' | 'heldOf'>,
  userIds: readonly string[],
): Promise<{ userId: string; id: string; ref: Ref }[]> {
  const rows = await client.queryIn(kind.query, kind.userField, userIds);
  return rows.flatMap((raw) => {
    const row = flatten(raw);
    const ref = kind.heldOf(row);
    return ref === undefined ? [] : [{ userId: String(row[kind.userField]), id: String(row['Id']), ref }];
  });
}

/**
 * The error a user's outcome is reported with: a refusal of a record explains more than an
 * unknown name found before any call (`unknownCode`).
 */
export function mainError(errors: readonly SalesforceError[], unknownCode: string): SalesforceError | undefined {
  return errors.find((e) => e.code !== unknownCode) ?? errors[0];
}
