import { randomUUID } from 'node:crypto';
import { ProvisionError } from '@provision/errors';
import { planAppRoles } from './app-roles.ts';
import type { SubscriptionIdStore } from './subscription-keeper.ts';
import {
  type SubscriptionInfo,
  type SubscriptionManager,
  type SubscriptionSpec,
  subscriptionExpiry,
} from './subscriptions.ts';
import type {
  AppRole,
  AppRoleAssignment,
  AppRoleAssignments,
  AppRolePublisher,
  DeltaCursor,
  DeltaPage,
  DeltaReadOptions,
  DesiredRole,
  DirectoryGroup,
  DirectoryReader,
  DirectoryUser,
  GroupChange,
  MemberRef,
  PublishResult,
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
export class InMemoryGraphDirectory implements DirectoryReader, AppRoleAssignments {
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

/** An in-memory `AppRolePublisher` with Graph's rule that a role must be disabled before removal. */
export class InMemoryAppRoles implements AppRolePublisher {
  appRoles: AppRole[];
  #failures: Error[] = [];

  constructor(initial: readonly AppRole[] = []) {
    this.appRoles = [...initial];
  }

  failNext(error: Error = new ProvisionError('PRV_GRAPH_REQUEST_FAILED', 'injected failure')): void {
    this.#failures.push(error);
  }

  async roles(): Promise<readonly AppRole[]> {
    const failure = this.#failures.shift();
    if (failure) throw failure;
    return this.appRoles;
  }

  async publish(desired: readonly DesiredRole[]): Promise<PublishResult> {
    const plan = planAppRoles(await this.roles(), desired);
    for (const step of plan.steps) {
      for (const old of this.appRoles) {
        if (old.isEnabled && !step.some((role) => role.id === old.id)) {
          throw new ProvisionError('PRV_GRAPH_REQUEST_FAILED', 'CannotDeleteOrUpdateEnabledEntitlement', {
            retriable: false,
            details: { status: 400 },
          });
        }
      }
      this.appRoles = [...step];
    }
    return { roles: this.appRoles, added: plan.added, updated: plan.updated, removed: plan.removed };
  }
}

type SubscriptionOperation = 'list' | 'create' | 'renew' | 'reauthorize' | 'delete';

/**
 * An in-memory `SubscriptionManager`: no validation handshake. Ids are `sub-1`, `sub-2`, … in
 * order of creation. For tests: `calls` records each operation (`create users`, `renew sub-1`),
 * `failing` makes an operation fail until removed, `failNext()` fails the next call, `remove()`
 * drops a subscription as Graph does before a `subscriptionRemoved` notification.
 */
export class InMemorySubscriptions implements SubscriptionManager {
  readonly subscriptions = new Map<string, SubscriptionInfo & { readonly clientState: string }>();
  readonly calls: string[] = [];
  readonly failing = new Set<SubscriptionOperation>();
  readonly #now: () => number;
  #failures: Error[] = [];
  #next = 1;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  failNext(error: Error = new ProvisionError('PRV_GRAPH_REQUEST_FAILED', 'injected failure')): void {
    this.#failures.push(error);
  }

  /** What Graph does before a `subscriptionRemoved` lifecycle notification. */
  remove(id: string): void {
    this.subscriptions.delete(id);
  }

  async list(): Promise<SubscriptionInfo[]> {
    this.#call('list', 'list');
    const now = this.#now();
    for (const [id, sub] of this.subscriptions)
      if (Date.parse(sub.expirationDateTime) <= now) this.subscriptions.delete(id);
    return [...this.subscriptions.values()];
  }

  async create(spec: SubscriptionSpec): Promise<SubscriptionInfo> {
    this.#call('create', `create ${spec.resource}`);
    const sub = {
      id: `sub-${this.#next++}`,
      resource: spec.resource,
      changeType: spec.changeType ?? 'updated,deleted',
      notificationUrl: spec.notificationUrl,
      lifecycleNotificationUrl: spec.lifecycleNotificationUrl ?? null,
      expirationDateTime: subscriptionExpiry(this.#now(), spec.lifetimeMinutes),
      clientState: spec.clientState,
    };
    this.subscriptions.set(sub.id, sub);
    return sub;
  }

  async renew(id: string, lifetimeMinutes?: number): Promise<SubscriptionInfo> {
    this.#call('renew', `renew ${id}`);
    const sub = this.subscriptions.get(id);
    if (!sub) throw notFound(id);
    const renewed = { ...sub, expirationDateTime: subscriptionExpiry(this.#now(), lifetimeMinutes) };
    this.subscriptions.set(id, renewed);
    return renewed;
  }

  async reauthorize(id: string): Promise<void> {
    this.#call('reauthorize', `reauthorize ${id}`);
    if (!this.subscriptions.has(id)) throw notFound(id);
  }

  async delete(id: string): Promise<void> {
    this.#call('delete', `delete ${id}`);
    this.subscriptions.delete(id);
  }

  #call(operation: SubscriptionOperation, entry: string): void {
    this.calls.push(entry);
    const failure = this.#failures.shift();
    if (failure) throw failure;
    if (this.failing.has(operation))
      throw new ProvisionError('PRV_GRAPH_REQUEST_FAILED', `injected ${operation} failure`);
  }
}

function notFound(id: string): ProvisionError {
  return new ProvisionError('PRV_GRAPH_REQUEST_FAILED', `subscription ${id} not found`, {
    retriable: false,
    details: { status: 404 },
  });
}

/** An in-memory `SubscriptionIdStore`; `ids` is what it holds. */
export class InMemorySubscriptionIds implements SubscriptionIdStore {
  readonly ids: Record<string, string> = {};

  async load(): Promise<Record<string, string>> {
    return { ...this.ids };
  }

  async save(resource: string, id: string): Promise<void> {
    this.ids[resource] = id;
  }
}
