import { ProvisionError } from '@provision/errors';
import type {
  AppRole,
  Assignment,
  DeltaPage,
  DirectorySource,
  GroupDelta,
  MemberDelta,
  UserDelta,
} from '../domain/ports.ts';

type Method = 'usersDelta' | 'groupsDelta' | 'assignments' | 'appRoles' | 'user' | 'userGroups' | 'isDeleted';

interface UserRecord {
  attributes: Record<string, unknown>;
  state: 'active' | 'soft' | 'hard';
  seq: number;
}

interface GroupRecord {
  members: Set<string>;
  nested: Set<string>;
  createdSeq: number;
  seq: number;
  deleted: boolean;
  memberLog: { seq: number; id: string; kind: 'user' | 'group'; removed: boolean }[];
}

/**
 * An in-memory directory that answers delta rounds the way Graph does: a round without a cursor
 * lists what exists; a later round lists what changed since its cursor (users with all their
 * attributes, groups with only their membership changes, removals with their reason). Cursors can
 * be expired, and any method can be made to fail once.
 */
export class FakeDirectory implements DirectorySource {
  readonly users = new Map<string, UserRecord>();
  readonly groups = new Map<string, GroupRecord>();
  readonly assignmentMap = new Map<string, Assignment>();
  roles: AppRole[] = [];
  pageSize = 2;
  readonly calls: Method[] = [];
  #seq = 0;
  #generation = 1;
  /** Listings still to come that leave out some assignments (Graph's paging skipping an item). */
  readonly #skipped: Set<string>[] = [];
  readonly #failures = new Map<Method, unknown>();

  // --- admin side -------------------------------------------------------------------------------

  upsertUser(id: string, attributes: Record<string, unknown>): void {
    const existing = this.users.get(id);
    this.users.set(id, {
      attributes: { ...(existing?.state === 'active' ? existing.attributes : {}), ...attributes },
      state: 'active',
      seq: ++this.#seq,
    });
  }

  deleteUser(id: string, how: 'soft' | 'hard'): void {
    const user = this.users.get(id);
    if (!user) throw new Error(`no user ${id}`);
    user.state = how;
    user.seq = ++this.#seq;
  }

  createGroup(id: string, members: readonly string[] = []): void {
    const seq = ++this.#seq;
    this.groups.set(id, {
      members: new Set(members),
      nested: new Set(),
      createdSeq: seq,
      seq,
      deleted: false,
      memberLog: members.map((m) => ({ seq, id: m, kind: 'user', removed: false })),
    });
  }

  addMember(groupId: string, memberId: string, kind: 'user' | 'group' = 'user'): void {
    const group = this.#group(groupId);
    (kind === 'user' ? group.members : group.nested).add(memberId);
    group.seq = ++this.#seq;
    group.memberLog.push({ seq: group.seq, id: memberId, kind, removed: false });
  }

  removeMember(groupId: string, memberId: string): void {
    const group = this.#group(groupId);
    group.members.delete(memberId);
    group.seq = ++this.#seq;
    group.memberLog.push({ seq: group.seq, id: memberId, kind: 'user', removed: true });
  }

  deleteGroup(groupId: string): void {
    const group = this.#group(groupId);
    group.deleted = true;
    group.seq = ++this.#seq;
  }

  assign(id: string, principalType: Assignment['principalType'], principalId: string, appRoleId: string): void {
    this.assignmentMap.set(id, { id, principalType, principalId, appRoleId });
  }

  unassign(id: string): void {
    this.assignmentMap.delete(id);
  }

  /**
   * The next listing of the assignments leaves `ids` out although they stay assigned, as a page of
   * Graph's `appRoleAssignedTo` can skip one when the list shifts between two page requests; with
   * `listings` > 1, that many listings in a row do.
   */
  skipInNextListing(ids: readonly string[], listings = 1): void {
    for (let i = 0; i < listings; i++) this.#skipped.push(new Set(ids));
  }

  /** Every cursor handed out so far becomes unknown (Graph's `syncStateNotFound`). */
  expireCursors(): void {
    this.#generation++;
  }

  /** The next call of `method` throws `error`. */
  failNext(method: Method, error: unknown): void {
    this.#failures.set(method, error);
  }

  // --- DirectorySource ---------------------------------------------------------------------------

  async *usersDelta(cursor: string | undefined): AsyncIterable<DeltaPage<UserDelta>> {
    this.#enter('usersDelta');
    const since = this.#since(cursor, 'users');
    const until = this.#seq;
    const items: UserDelta[] = [];
    for (const [id, user] of this.users) {
      if (user.seq <= since || user.seq > until) continue;
      if (user.state === 'active') items.push({ id, attributes: { ...user.attributes } });
      else if (since > 0) items.push({ id, removed: user.state === 'soft' ? 'changed' : 'deleted', attributes: {} });
    }
    yield* this.#pages(items, `users:${until}:${this.#generation}`);
  }

  async *groupsDelta(cursor: string | undefined): AsyncIterable<DeltaPage<GroupDelta>> {
    this.#enter('groupsDelta');
    const since = this.#since(cursor, 'groups');
    const until = this.#seq;
    const items: GroupDelta[] = [];
    for (const [id, group] of this.groups) {
      if (group.seq <= since || group.seq > until) continue;
      if (group.deleted) {
        if (since > 0) items.push({ id, removed: 'deleted', members: [] });
        continue;
      }
      const fresh = since === 0 || group.createdSeq > since;
      const members: MemberDelta[] = fresh
        ? [
            ...[...group.members].map((m): MemberDelta => ({ id: m, kind: 'user', removed: false })),
            ...[...group.nested].map((m): MemberDelta => ({ id: m, kind: 'group', removed: false })),
          ]
        : lastPerMember(group.memberLog.filter((c) => c.seq > since && c.seq <= until));
      // Like Graph, a big group's members come in chunks, the group repeated on each page.
      if (members.length === 0) items.push({ id, members: [] });
      for (let i = 0; i < members.length; i += 2) items.push({ id, members: members.slice(i, i + 2) });
    }
    yield* this.#pages(items, `groups:${until}:${this.#generation}`);
  }

  async *assignments(): AsyncIterable<readonly Assignment[]> {
    this.#enter('assignments');
    const skipped = this.#skipped.shift() ?? new Set<string>();
    const all = [...this.assignmentMap.values()].filter((a) => !skipped.has(a.id));
    if (all.length === 0) yield [];
    for (let i = 0; i < all.length; i += this.pageSize) yield all.slice(i, i + this.pageSize);
  }

  async appRoles(): Promise<readonly AppRole[]> {
    this.#enter('appRoles');
    return this.roles;
  }

  async user(id: string): Promise<Readonly<Record<string, unknown>> | undefined> {
    this.#enter('user');
    const user = this.users.get(id);
    return user?.state === 'active' ? { ...user.attributes } : undefined;
  }

  async isDeleted(id: string): Promise<boolean> {
    this.#enter('isDeleted');
    return this.users.get(id)?.state === 'soft';
  }

  async userGroups(id: string): Promise<readonly string[]> {
    this.#enter('userGroups');
    return [...this.groups].filter(([, g]) => !g.deleted && g.members.has(id)).map(([groupId]) => groupId);
  }

  // --- internals ----------------------------------------------------------------------------------

  #enter(method: Method): void {
    this.calls.push(method);
    if (this.#failures.has(method)) {
      const error = this.#failures.get(method);
      this.#failures.delete(method);
      throw error;
    }
  }

  #since(cursor: string | undefined, kind: string): number {
    if (cursor === undefined) return 0;
    const [k, seq, generation] = cursor.split(':');
    if (k !== kind || Number(generation) !== this.#generation) {
      throw new ProvisionError('PRV_GRAPH_DELTA_EXPIRED', `reading ${kind} delta: the delta cursor is no longer valid`);
    }
    return Number(seq);
  }

  async *#pages<T>(items: readonly T[], deltaLink: string): AsyncIterable<DeltaPage<T>> {
    for (let i = 0; i + this.pageSize < items.length; i += this.pageSize) {
      yield { items: items.slice(i, i + this.pageSize) };
    }
    const lastStart = items.length === 0 ? 0 : Math.floor((items.length - 1) / this.pageSize) * this.pageSize;
    yield { items: items.slice(lastStart), deltaLink };
  }

  #group(id: string): GroupRecord {
    const group = this.groups.get(id);
    if (!group || group.deleted) throw new Error(`no group ${id}`);
    return group;
  }
}

function lastPerMember(changes: GroupRecord['memberLog']): MemberDelta[] {
  const latest = new Map<string, MemberDelta>();
  for (const c of changes) latest.set(c.id, { id: c.id, kind: c.kind, removed: c.removed });
  return [...latest.values()];
}
