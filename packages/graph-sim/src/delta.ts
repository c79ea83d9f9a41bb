import { createHmac, timingSafeEqual } from 'node:crypto';
import { graphErrors } from './graph-error.ts';
import { type DirectoryObject, ObjectStore } from './tenant/object-store.ts';
import {
  COLLECTION_PROPERTIES,
  expandExtensionAttributes,
  GROUP_DEFAULT_SELECT,
  GROUP_PROPERTIES,
  USER_DEFAULT_SELECT,
  USER_PROPERTIES,
} from './tenant/schema.ts';
import type { Tenant } from './tenant/tenant.ts';

/** What a state token carries. Encoded, signed, and opaque to clients. */
export interface DeltaState {
  /** Object kind. */
  readonly k: 'user' | 'group';
  /** `$select` of the initial request, or null for the default. */
  readonly s: readonly string[] | null;
  /** Changes after this sequence number are reported (0 = initial round). */
  readonly f: number;
  /** Upper bound of the round in progress (skip tokens only). */
  readonly u?: number;
  /** Position in the change log (skip tokens only). */
  readonly p?: number;
  /** When the round or the token was issued (ms since epoch). */
  readonly t: number;
  /** Token generation: bumping it invalidates every outstanding token. */
  readonly g: number;
  /**
   * When the group at position `p` has its `members@delta` spread over pages: the id of the last
   * member already returned (members go in id order, so a membership change between two page
   * requests neither skips nor repeats one).
   */
  readonly m?: string;
  /** Object ids of `$filter=id eq '…' or …`, when the round is restricted to them. */
  readonly i?: readonly string[];
  /** `appRoleAssignedTo` skip tokens: the paging key of the last assignment returned (listing resumes after it). */
  readonly a?: number;
}

/** Graph accepts at most 50 ids in a delta `$filter`. */
export const MAX_FILTER_IDS = 50;

/** Parses the one `$filter` delta supports for users and groups: `id eq '…' or id eq '…'` (at most 50). */
export function parseIdFilter(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const ids: string[] = [];
  for (const clause of raw.split(/\s+or\s+/i)) {
    const match = /^\s*id\s+eq\s+'([0-9a-f-]{36})'\s*$/i.exec(clause);
    if (!match?.[1])
      throw graphErrors.unsupportedQuery(
        `Unsupported or invalid query filter clause specified for property 'id' of resource 'directoryObject'.`,
      );
    ids.push(match[1].toLowerCase());
  }
  if (ids.length > MAX_FILTER_IDS) {
    throw graphErrors.unsupportedQuery(`The number of ids in the filter exceeds the maximum of ${MAX_FILTER_IDS}.`);
  }
  return ids;
}

/** Signs and checks state tokens; a token from another simulator, or tampered with, is unknown. */
export class DeltaTokenCodec {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    this.#key = key;
  }

  encode(state: DeltaState): string {
    const body = Buffer.from(JSON.stringify(state)).toString('base64url');
    return `${body}.${this.#sign(body)}`;
  }

  /** The state, or undefined when the token is not one of ours. */
  decode(token: string): DeltaState | undefined {
    const [body, signature, extra] = token.split('.');
    if (!body || !signature || extra !== undefined) return undefined;
    const expected = Buffer.from(this.#sign(body));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as DeltaState;
    } catch {
      return undefined;
    }
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url').slice(0, 32);
  }
}

/** Validates `$select` for a delta or a read; unknown properties get Graph's error. */
export function parseSelect(kind: 'user' | 'group', raw: unknown): string[] | null {
  if (raw === undefined) return null;
  if (typeof raw !== 'string' || raw.trim() === '') throw graphErrors.badRequest('Invalid $select value.');
  const known = kind === 'user' ? USER_PROPERTIES : GROUP_PROPERTIES;
  const names = raw.split(',').map((name) => name.trim());
  for (const name of names) {
    const allowed = known.has(name) || (kind === 'group' && (name === 'members' || name === 'owners'));
    if (!allowed) {
      throw graphErrors.badRequest(`Could not find a property named '${name}' on type 'microsoft.graph.${kind}'.`);
    }
  }
  return [...new Set(names)];
}

export interface DeltaPage {
  readonly value: Record<string, unknown>[];
  /** State for `@odata.nextLink` when the round goes on. */
  readonly next?: DeltaState;
  /** State for `@odata.deltaLink` when the round is complete. */
  readonly delta?: DeltaState;
}

export interface DeltaPageOptions {
  readonly pageSize: number;
  readonly minimal: boolean;
  /**
   * Most `members@delta` entries in one item; a larger group is returned again on the following
   * pages with the rest (Graph pages through the members of large groups the same way).
   */
  readonly membersPerItem?: number;
}

/** Default split of a large group's `members@delta`. */
export const MEMBERS_PER_ITEM = 1000;

/** Computes one page of a delta round by scanning the change log from the state's position. */
export function deltaPage(tenant: Tenant, state: DeltaState, options: DeltaPageOptions): DeltaPage {
  const store = tenant.store(state.k);
  const until = state.u ?? tenant.currentSeq;
  let position = state.p ?? store.logIndexAfter(state.f);
  let membersAfter = state.m;
  const chunk: MemberChunk = { after: undefined, size: options.membersPerItem ?? MEMBERS_PER_ITEM, last: undefined };
  const value: Record<string, unknown>[] = [];
  const { m: _m, ...base } = state;
  while (value.length < options.pageSize) {
    const entry = store.logAt(position);
    if (!entry || entry.seq > until) break;
    if (state.i && !state.i.includes(entry.id)) {
      position++;
      continue;
    }
    chunk.after = membersAfter;
    chunk.last = undefined;
    const item = renderChange(tenant, store, entry.id, entry.seq, state, until, options.minimal, chunk);
    if (item) value.push(item);
    if (chunk.last !== undefined) {
      // The rest of this group's members follow on the next page, in the same item again.
      return { value, next: { ...base, u: until, p: position, m: chunk.last } };
    }
    position++;
    membersAfter = undefined;
  }
  const entry = store.logAt(position);
  if (entry && entry.seq <= until) return { value, next: { ...base, u: until, p: position } };
  const delta: DeltaState = {
    k: state.k,
    s: state.s,
    f: until,
    t: Date.now(),
    g: state.g,
    ...(state.i ? { i: state.i } : {}),
  };
  return { value, delta };
}

/** Paging of one group's members: after which member id to start, how many, and the last one returned when more follow. */
interface MemberChunk {
  after: string | undefined;
  size: number;
  last: string | undefined;
}

function renderChange(
  tenant: Tenant,
  store: ObjectStore,
  id: string,
  seq: number,
  state: DeltaState,
  until: number,
  minimal: boolean,
  chunk: MemberChunk,
): Record<string, unknown> | undefined {
  const initial = state.f === 0;
  // Only the object's latest change inside the round reports it, so it appears once — and an
  // object changed again while the round is paged through still appears in it (as it is now).
  if (store.lastSeqUntil(id, until) !== seq) return undefined;
  const tombstone = store.tombstones.get(id);
  if (tombstone) {
    if (initial) return undefined;
    return { id, '@removed': { reason: 'deleted' } };
  }
  const object = store.objects.get(id);
  if (!object) return undefined;
  if (object.deletedDateTime !== null) return initial ? undefined : { id, '@removed': { reason: 'changed' } };
  const fresh = initial || object.createdSeq > state.f;
  const tracksMembers = store.kind === 'group' && (state.s === null || state.s.includes('members'));
  const selected = (state.s ?? (store.kind === 'user' ? USER_DEFAULT_SELECT : GROUP_DEFAULT_SELECT)).filter(
    (name) => name !== 'id' && name !== 'members' && name !== 'owners',
  );
  const memberChanges = tracksMembers && !fresh ? membersSince(object, state.f, until) : [];
  if (!fresh) {
    const tracked = state.s === null ? Object.keys(object.props).concat([...(object.propSeq?.keys() ?? [])]) : selected;
    const propertyChanged = tracked.some((name) => ObjectStore.propertySeq(object, name) > state.f);
    if (!propertyChanged && memberChanges.length === 0) return undefined;
  }
  const out: Record<string, unknown> = {};
  for (const name of selected) {
    const changed = fresh || ObjectStore.propertySeq(object, name) > state.f;
    if (minimal && !changed) continue;
    const value = object.props[name];
    if (value === undefined) {
      if (!fresh && changed) out[name] = COLLECTION_PROPERTIES.has(name) ? [] : null;
      continue;
    }
    out[name] = name === 'onPremisesExtensionAttributes' ? expandExtensionAttributes(value) : value;
  }
  out['id'] = id;
  if (tracksMembers) {
    const all = (
      fresh ? [...(object.members ?? [])].map((memberId) => ({ memberId, removed: false })) : memberChanges
    ).sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
    const from = chunk.after === undefined ? 0 : all.findIndex((m) => m.memberId > (chunk.after as string));
    const members = from < 0 ? [] : all.slice(from, from + chunk.size);
    if (from >= 0 && from + chunk.size < all.length) chunk.last = members.at(-1)?.memberId;
    if (members.length > 0) out['members@delta'] = members.map((m) => memberRef(tenant, m.memberId, m.removed));
  }
  return out;
}

/** Membership changes in (since, until], the last change per member winning. */
function membersSince(group: DirectoryObject, since: number, until: number): { memberId: string; removed: boolean }[] {
  const latest = new Map<string, boolean>();
  for (const change of group.memberLog ?? []) {
    if (change.seq > since && change.seq <= until) latest.set(change.memberId, change.removed);
  }
  return [...latest].map(([memberId, removed]) => ({ memberId, removed }));
}

function memberRef(tenant: Tenant, memberId: string, removed: boolean): Record<string, unknown> {
  const isGroup = tenant.groups.objects.has(memberId) || tenant.groups.tombstones.has(memberId);
  const ref: Record<string, unknown> = {
    '@odata.type': isGroup ? '#microsoft.graph.group' : '#microsoft.graph.user',
    id: memberId,
  };
  if (removed) ref['@removed'] = { reason: 'deleted' };
  return ref;
}
