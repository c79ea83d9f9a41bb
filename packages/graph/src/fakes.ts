import { randomUUID } from 'node:crypto';
import { ProvisionError } from '@provision/errors';
import type {
  AppRoleAssignment,
  AppRoleAssignments,
  DeltaCursor,
  DeltaPage,
  DeltaReadOptions,
  DirectoryGroup,
  DirectoryReader,
  DirectoryUser,
  GroupChange,
  MemberRef,
  UserChange,
} from './types.ts';

type Entry =
  | { seq: number; kind: 'users'; id: string; removed?: 'changed' | 'deleted' }
  | {
      seq: number;
      kind: 'groups';
      id: string;
      removed?: 'changed' | 'deleted';
      memberId?: string;
      memberRemoved?: boolean;
    };

/**
 * An in-memory directory for other packages' unit tests: a `DirectoryReader` and `AppRoleAssignments`
 * with the same round semantics (full round, then changes only, removals, membership changes) and
 * failure injection (`failNext`, `expireCursors`).
 */
export class InMemoryDirectory implements DirectoryReader, AppRoleAssignments {
  readonly userStore = new Map<string, DirectoryUser>();
  readonly groupStore = new Map<string, { group: DirectoryGroup; members: Set<string> }>();
  readonly assignments = new Map<string, AppRoleAssignment>();
  readonly servicePrincipalId: string;
  pageSize = 100;
  readonly #log: Entry[] = [];
  #seq = 0;
  #generation = 1;
  #failures: Error[] = [];

  constructor(servicePrincipalId: string = randomUUID()) {
    this.servicePrincipalId = servicePrincipalId;
  }

  /** The next call of any method throws `error`. */
  failNext(error: Error = new ProvisionError('PRV_GRAPH_REQUEST_FAILED', 'injected failure')): void {
    this.#failures.push(error);
  }

  /** Every cursor handed out so far becomes invalid (`PRV_GRAPH_DELTA_EXPIRED`). */
  expireCursors(): void {
    this.#generation++;
  }

  setUser(user: DirectoryUser): void {
    this.userStore.set(user.id, { ...this.userStore.get(user.id), ...user });
    this.#log.push({ seq: ++this.#seq, kind: 'users', id: user.id });
  }

  removeUser(id: string, reason: 'changed' | 'deleted' = 'changed'): void {
    this.userStore.delete(id);
    this.#log.push({ seq: ++this.#seq, kind: 'users', id, removed: reason });
  }

  setGroup(group: DirectoryGroup, members?: Iterable<string>): void {
    const current = this.groupStore.get(group.id);
    this.groupStore.set(group.id, { group: { ...current?.group, ...group }, members: current?.members ?? new Set() });
    this.#log.push({ seq: ++this.#seq, kind: 'groups', id: group.id });
    for (const member of members ?? []) this.addMember(group.id, member);
  }

  removeGroup(id: string, reason: 'changed' | 'deleted' = 'deleted'): void {
    this.groupStore.delete(id);
    this.#log.push({ seq: ++this.#seq, kind: 'groups', id, removed: reason });
  }

  addMember(groupId: string, memberId: string): void {
    this.groupStore.get(groupId)?.members.add(memberId);
    this.#log.push({ seq: ++this.#seq, kind: 'groups', id: groupId, memberId, memberRemoved: false });
  }

  removeMember(groupId: string, memberId: string): void {
    this.groupStore.get(groupId)?.members.delete(memberId);
    this.#log.push({ seq: ++this.#seq, kind: 'groups', id: groupId, memberId, memberRemoved: true });
  }

  users(options: DeltaReadOptions = {}): AsyncIterable<DeltaPage<UserChange>> {
    return this.#round('users', options, (id, since) => {
      const user = this.userStore.get(id);
      const removal = this.#removal('users', id, since);
      if (removal) return removal;
      return user ? { kind: 'upsert', id, user } : undefined;
    });
  }

  groups(options: DeltaReadOptions = {}): AsyncIterable<DeltaPage<GroupChange>> {
    return this.#round('groups', options, (id, since) => {
      const removal = this.#removal('groups', id, since);
      if (removal) return removal;
      const entry = this.groupStore.get(id);
      if (!entry) return undefined;
      const ref = (memberId: string): MemberRef => ({
        id: memberId,
        type: this.groupStore.has(memberId) ? 'group' : 'user',
      });
      if (since === 0)
        return {
          kind: 'upsert',
          id,
          group: entry.group,
          membersAdded: [...entry.members].map(ref),
          membersRemoved: [],
        };
      const latest = new Map<string, boolean>();
      for (const e of this.#log) {
        if (e.kind === 'groups' && e.id === id && e.seq > since && e.memberId !== undefined)
          latest.set(e.memberId, e.memberRemoved === true);
      }
      const added = [...latest].filter(([, removed]) => !removed).map(([m]) => ref(m));
      const removed = [...latest].filter(([, r]) => r).map(([m]) => ref(m));
      return { kind: 'upsert', id, group: entry.group, membersAdded: added, membersRemoved: removed };
    });
  }

  async latestCursor(kind: 'users' | 'groups'): Promise<DeltaCursor> {
    this.#maybeFail();
    return `memory:${kind}:${this.#seq}:${this.#generation}`;
  }

  async *list(options: { pageSize?: number } = {}): AsyncIterable<readonly AppRoleAssignment[]> {
    this.#maybeFail();
    const all = [...this.assignments.values()];
    const size = options.pageSize ?? this.pageSize;
    for (let i = 0; i < all.length; i += size) yield all.slice(i, i + size);
    if (all.length === 0) yield [];
  }

  async assign(principalId: string, appRoleId: string): Promise<AppRoleAssignment> {
    this.#maybeFail();
    const assignment: AppRoleAssignment = {
      id: randomUUID(),
      appRoleId,
      principalId,
      principalType: this.groupStore.has(principalId) ? 'Group' : 'User',
      principalDisplayName: null,
      resourceId: this.servicePrincipalId,
      createdDateTime: new Date().toISOString(),
    };
    this.assignments.set(assignment.id, assignment);
    return assignment;
  }

  async remove(assignmentId: string): Promise<void> {
    this.#maybeFail();
    if (!this.assignments.delete(assignmentId))
      throw new ProvisionError('PRV_GRAPH_REQUEST_FAILED', 'assignment not found', {
        retriable: false,
        details: { status: 404 },
      });
  }

  #removal(kind: 'users' | 'groups', id: string, since: number): (UserChange & GroupChange) | undefined {
    if (since === 0) return undefined;
    let last: Entry | undefined;
    for (const e of this.#log) if (e.kind === kind && e.id === id && e.seq > since) last = e;
    return last?.removed ? { kind: 'removed', id, reason: last.removed } : undefined;
  }

  async *#round<T>(
    kind: 'users' | 'groups',
    options: DeltaReadOptions,
    render: (id: string, since: number) => T | undefined,
  ): AsyncGenerator<DeltaPage<T>> {
    this.#maybeFail();
    let since = 0;
    if (options.cursor !== undefined) {
      const [prefix, cursorKind, seq, generation] = options.cursor.split(':');
      if (prefix !== 'memory' || cursorKind !== kind || Number(generation) !== this.#generation) {
        throw new ProvisionError('PRV_GRAPH_DELTA_EXPIRED', `the ${kind} cursor is no longer valid; run a full round`);
      }
      since = Number(seq);
    }
    const until = this.#seq;
    const ids = new Set<string>();
    if (since === 0) for (const id of kind === 'users' ? this.userStore.keys() : this.groupStore.keys()) ids.add(id);
    else for (const e of this.#log) if (e.kind === kind && e.seq > since && e.seq <= until) ids.add(e.id);
    const changes = [...ids].map((id) => render(id, since)).filter((c): c is T => c !== undefined);
    const fullSync = options.cursor === undefined;
    for (let i = 0; i + this.pageSize < changes.length; i += this.pageSize)
      yield { changes: changes.slice(i, i + this.pageSize), fullSync };
    const lastStart = changes.length === 0 ? 0 : Math.floor((changes.length - 1) / this.pageSize) * this.pageSize;
    yield { changes: changes.slice(lastStart), cursor: `memory:${kind}:${until}:${this.#generation}`, fullSync };
  }

  #maybeFail(): void {
    const failure = this.#failures.shift();
    if (failure) throw failure;
  }
}
