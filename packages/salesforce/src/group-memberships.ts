import { classifySalesforceError, salesforceError } from './classify.ts';
import { SalesforceGatewayError } from './gateway-error.ts';
import type { NamedSet } from './permission-sets.ts';
import { flatten } from './records.ts';
import type {
  AssignPermissionSetsOptions,
  GroupMembershipChange,
  GroupMembershipResult,
  GroupMemberships,
  GroupRef,
  SalesforceError,
} from './types.ts';

type Rec = Record<string, unknown>;

/** What joining and leaving groups needs from the adapter: each method is one or a few API calls. */
export interface MembershipClient {
  /** Every row of `prefix WHERE field IN (values)`, split as the URI limit requires. */
  queryIn(prefix: string, field: string, values: readonly string[]): Promise<Rec[]>;
  /** Public groups and queues by `type:lower-cased DeveloperName`; `refresh` reloads a cached list. */
  groups(refresh: boolean): Promise<ReadonlyMap<string, NamedSet>>;
  /** Drops the cached group list (a cached group turned out to be deleted). */
  forgetGroups(): void;
  /** One Collections insert of GroupMembers (≤ batchSize); raw SaveResults in order. */
  insert(records: readonly Rec[]): Promise<unknown[]>;
  /** One Collections delete (≤ batchSize ids); raw SaveResults in order. */
  remove(ids: readonly string[]): Promise<unknown[]>;
  readonly batchSize: number;
}

/** The query of a user's direct memberships of public groups and queues (other group types left out). */
export const GROUP_MEMBER_QUERY = 'SELECT Id, UserOrGroupId, GroupId, Group.DeveloperName, Group.Type FROM GroupMember';

// Joining twice and leaving a group already left change nothing: not failures.
const HARMLESS_INSERT = new Set(['DUPLICATE_VALUE']);
const HARMLESS_DELETE = new Set(['ENTITY_IS_DELETED']);

const keyOf = (g: GroupRef) => `${g.type}:${g.name.toLowerCase()}`;
const label = (g: GroupRef) => `${g.type === 'queue' ? 'queue' : 'public group'} '${g.name}'`;
const FIELD = { publicGroup: 'PublicGroups', queue: 'Queues' } as const;

interface UserState {
  readonly change: GroupMembershipChange;
  /** `type:lower-cased name` → the GroupMember id and the group, of the memberships held now. */
  readonly held: Map<string, { id: string; group: GroupRef }>;
  before: GroupMemberships;
  errors: SalesforceError[];
}

/** A membership row's group, or undefined for group types other than public groups and queues. */
export function groupOfRow(row: Rec): GroupRef | undefined {
  const type = row['Group.Type'] === 'Queue' ? 'queue' : row['Group.Type'] === 'Regular' ? 'publicGroup' : undefined;
  const name = String(row['Group.DeveloperName'] ?? '');
  return type && name !== '' ? { type, name } : undefined;
}

/** Memberships as sorted DeveloperNames by type. */
export function membershipsOf(groups: Iterable<GroupRef>): GroupMemberships {
  const list = [...groups];
  const names = (type: GroupRef['type']) =>
    list
      .filter((g) => g.type === type)
      .map((g) => g.name)
      .sort();
  return { publicGroups: names('publicGroup'), queues: names('queue') };
}

const none: GroupMemberships = { publicGroups: [], queues: [] };

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
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
 * Adds and removes GroupMember rows for many users with few calls: the group list (cached by the
 * client), one query of the users' memberships (none for new users), Collections inserts and deletes
 * of up to 200 rows. Joining a group the user is in and leaving one it is not in send nothing.
 */
export async function assignGroupMemberships(
  client: MembershipClient,
  changes: readonly GroupMembershipChange[],
  options: AssignPermissionSetsOptions = {},
): Promise<GroupMembershipResult[]> {
  const states = changes.map((change): UserState => ({ change, held: new Map(), before: none, errors: [] }));
  const active = states.filter((s) => s.change.add.length + s.change.remove.length > 0);
  if (active.length === 0) return states.map((s) => ({ ok: true, userId: s.change.userId, before: none, after: none }));

  let groups: ReadonlyMap<string, NamedSet>;
  try {
    groups = await client.groups(false);
    if (active.some((s) => s.change.add.some((g) => !groups.has(keyOf(g))))) groups = await client.groups(true);
    const known = active.filter((s) => !s.change.newUser).map((s) => s.change.userId);
    if (known.length > 0) {
      const rows = await client.queryIn(GROUP_MEMBER_QUERY, 'UserOrGroupId', known);
      const byUser = new Map(active.map((s) => [s.change.userId.slice(0, 15), s]));
      for (const row of rows.map((r) => flatten(r))) {
        const state = byUser.get(String(row['UserOrGroupId']).slice(0, 15));
        const group = groupOfRow(row);
        if (state && group) state.held.set(keyOf(group), { id: String(row['Id']), group });
      }
    }
  } catch (error) {
    const failure = SalesforceGatewayError.from(error).salesforce;
    return states.map((s) =>
      active.includes(s)
        ? { ok: false, userId: s.change.userId, error: failure, errors: [failure] }
        : { ok: true, userId: s.change.userId, before: none, after: none },
    );
  }

  const inserts: { state: UserState; id: string; group: GroupRef }[] = [];
  const deletes: { state: UserState; id: string; key: string }[] = [];
  for (const state of active) {
    state.before = membershipsOf([...state.held.values()].map((h) => h.group));
    const adding = new Set(state.change.add.map(keyOf));
    for (const wanted of state.change.add) {
      const group = groups.get(keyOf(wanted));
      if (!group) {
        state.errors.push(
          salesforceError('SalesforceUnknownGroup', `No ${label(wanted)} (Group DeveloperName) in the org`, [
            FIELD[wanted.type],
          ]),
        );
      } else if (!state.held.has(keyOf(wanted)) && !inserts.some((i) => i.state === state && i.id === group.id)) {
        inserts.push({ state, id: group.id, group: { type: wanted.type, name: group.name } });
      }
    }
    for (const leaving of state.change.remove) {
      const held = state.held.get(keyOf(leaving));
      // Joined and left in one change: the join wins.
      if (held && !adding.has(keyOf(leaving)) && !deletes.some((d) => d.id === held.id))
        deletes.push({ state, id: held.id, key: keyOf(leaving) });
    }
  }

  if (!options.dryRun) {
    for (const chunk of chunks(inserts, client.batchSize)) {
      let saved: unknown[];
      try {
        saved = await client.insert(chunk.map((i) => ({ GroupId: i.id, UserOrGroupId: i.state.change.userId })));
      } catch (error) {
        const failure = classifySalesforceError(error);
        for (const i of chunk) i.state.errors.push(failure);
        continue;
      }
      chunk.forEach((i, n) => {
        const outcome = saveOk(saved[n], HARMLESS_INSERT);
        if (outcome.ok) i.state.held.set(keyOf(i.group), { id: outcome.id ?? '', group: i.group });
        else if (
          outcome.error.salesforceCode === 'INVALID_CROSS_REFERENCE_KEY' &&
          outcome.error.fields.includes('GroupId')
        ) {
          // The group was deleted since the list was cached: the next change reads the list again.
          client.forgetGroups();
          i.state.errors.push(
            salesforceError('SalesforceUnknownGroup', `The ${label(i.group)} no longer exists in the org`, [
              FIELD[i.group.type],
            ]),
          );
        } else i.state.errors.push(outcome.error);
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
        if (outcome.ok) d.state.held.delete(d.key);
        else d.state.errors.push(outcome.error);
      });
    }
  } else {
    for (const i of inserts) i.state.held.set(keyOf(i.group), { id: '', group: i.group });
    for (const d of deletes) d.state.held.delete(d.key);
  }

  return states.map((s): GroupMembershipResult => {
    const after = membershipsOf([...s.held.values()].map((h) => h.group));
    const userId = s.change.userId;
    if (s.errors.length === 0) return { ok: true, userId, before: s.before, after };
    // A refusal of the record explains more than an unknown name found before any call.
    const error = s.errors.find((e) => e.code !== 'SalesforceUnknownGroup') ?? s.errors[0]!;
    return { ok: false, userId, before: s.before, after, error, errors: s.errors };
  });
}
