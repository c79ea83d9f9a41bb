import { randomUUID } from 'node:crypto';
import type { TokenService } from './auth.ts';
import type { Fault, FaultPlan, ThrottlePolicy } from './faults.ts';
import { graphErrors } from './graph-error.ts';
import { renderObject } from './render.ts';
import type { SimSettings } from './routes/context.ts';
import { type SeedOptions, type SeedResult, seedTenant } from './seed.ts';
import type { DeliveryRecord, SubscriptionService } from './subscriptions.ts';
import { type AppRoleAssignment, DEFAULT_ACCESS_ROLE_ID, type Tenant } from './tenant/tenant.ts';

/** What the admin API (and the programmatic handle) can do to the simulated tenant. */
export class SimAdmin {
  readonly #tenant: Tenant;
  readonly #faults: FaultPlan;
  readonly #subscriptions: SubscriptionService;
  readonly #settings: SimSettings;
  readonly #tokens: TokenService;

  constructor(deps: {
    tenant: Tenant;
    faults: FaultPlan;
    subscriptions: SubscriptionService;
    settings: SimSettings;
    tokens: TokenService;
  }) {
    this.#tenant = deps.tenant;
    this.#faults = deps.faults;
    this.#subscriptions = deps.subscriptions;
    this.#settings = deps.settings;
    this.#tokens = deps.tokens;
  }

  /** Adds synthetic users and groups, the same for the same seed. */
  seed(options: SeedOptions): SeedResult {
    return seedTenant(this.#tenant, options);
  }

  state(): Record<string, number> {
    const count = (kind: 'user' | 'group', deleted: boolean) =>
      [...this.#tenant.store(kind).objects.values()].filter((o) => (o.deletedDateTime !== null) === deleted).length;
    return {
      users: count('user', false),
      deletedUsers: count('user', true),
      groups: count('group', false),
      deletedGroups: count('group', true),
      assignments: [...this.#tenant.visibleAssignments()].length,
      subscriptions: this.#subscriptions.list().length,
      sequence: this.#tenant.currentSeq,
    };
  }

  createUser(props: Record<string, unknown>, id: string = randomUUID()): Record<string, unknown> {
    const nickname = String(props['mailNickname'] ?? `user${this.#tenant.users.objects.size + 1}`);
    const upn = String(props['userPrincipalName'] ?? `${nickname}@${this.#tenant.domain}`);
    const user = this.#tenant.createUser(id, {
      accountEnabled: true,
      displayName: nickname,
      mailNickname: nickname,
      userType: 'Member',
      ...props,
      userPrincipalName: upn,
    });
    return renderObject('user', user, null);
  }

  updateUser(id: string, changes: Record<string, unknown>): void {
    this.#tenant.updateUser(id, changes);
  }

  createGroup(
    props: Record<string, unknown>,
    members: string[] = [],
    id: string = randomUUID(),
  ): Record<string, unknown> {
    const name = String(props['displayName'] ?? `group${this.#tenant.groups.objects.size + 1}`);
    const group = this.#tenant.createGroup(
      id,
      {
        displayName: name,
        mailEnabled: false,
        mailNickname: name.toLowerCase().replace(/[^a-z0-9]/g, ''),
        securityEnabled: true,
        groupTypes: [],
        ...props,
      },
      members,
    );
    return renderObject('group', group, null);
  }

  updateGroup(id: string, changes: Record<string, unknown>): void {
    this.#tenant.updateGroup(id, changes);
  }

  addMember(groupId: string, memberId: string): void {
    this.#tenant.addMember(groupId, memberId);
  }

  removeMember(groupId: string, memberId: string): void {
    this.#tenant.removeMember(groupId, memberId);
  }

  /** Soft delete (users, Microsoft 365 groups); security groups are deleted permanently, as in Entra. */
  softDelete(kind: 'user' | 'group', id: string): void {
    this.#tenant.delete(kind, id);
  }

  restore(id: string): void {
    this.#tenant.restore(id);
  }

  /** Permanent deletion, whether or not the object is in deletedItems first. */
  hardDelete(kind: 'user' | 'group', id: string): void {
    const object = this.#tenant.store(kind).objects.get(id);
    if (!object) throw graphErrors.notFound(id);
    if (object.deletedDateTime === null) this.#tenant.delete(kind, id);
    if (this.#tenant.store(kind).objects.has(id)) this.#tenant.purge(id);
  }

  /** Assigns a user or group to the application with a role given by id or by value (default: Default Access). */
  assign(principalId: string, role?: string): AppRoleAssignment {
    const appRoleId =
      role === undefined || role === 'Default Access'
        ? DEFAULT_ACCESS_ROLE_ID
        : (this.#tenant.application.appRoles.find((r) => r.id === role || r.value === role || r.displayName === role)
            ?.id ?? role);
    return this.#tenant.assign(principalId, appRoleId);
  }

  unassign(assignmentId: string): void {
    this.#tenant.unassign(assignmentId);
  }

  injectFault(fault: Fault): void {
    this.#faults.add(fault);
  }

  setThrottlePolicy(policy: ThrottlePolicy | undefined): void {
    if (policy !== undefined) {
      const { requests, windowSeconds } = policy;
      if (!Number.isInteger(requests) || requests < 0 || typeof windowSeconds !== 'number' || !(windowSeconds > 0)) {
        throw graphErrors.badRequest(
          'A throttling policy needs requests (an integer of at least 0) and windowSeconds (> 0).',
        );
      }
    }
    this.#faults.policy =
      policy === undefined ? undefined : { requests: policy.requests, windowSeconds: policy.windowSeconds };
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  /** Turns Graph's resource-unit throttling on or off (turning it on starts with a full bucket). */
  setResourceUnits(enabled: boolean): { enabled: boolean } {
    if (typeof enabled !== 'boolean') throw graphErrors.badRequest('enabled must be true or false.');
    this.#faults.resourceUnits.enabled = enabled;
    this.#faults.resourceUnits.reset();
    return { enabled };
  }

  /** Requests served since start (or the last reset), by `METHOD /route`, plus `total`. */
  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.#faults.counts);
  }

  resetRequestCounts(): void {
    this.#faults.counts.clear();
  }

  /** Invalidates every outstanding delta token: the next use answers `syncStateNotFound`. */
  expireDeltaTokens(): void {
    this.#settings.deltaGeneration += 1;
  }

  /** Refuses every access token issued so far (clients must fetch a new one). */
  revokeAccessTokens(): void {
    this.#tokens.generation += 1;
  }

  updateSettings(
    changes: Partial<Pick<SimSettings, 'deltaPageSize' | 'deltaTokenTtlMs'>> & { tokenLifetimeSeconds?: number },
  ): void {
    if (changes.deltaPageSize !== undefined)
      this.#settings.deltaPageSize = positive(changes.deltaPageSize, 'deltaPageSize');
    if (changes.deltaTokenTtlMs !== undefined)
      this.#settings.deltaTokenTtlMs = positive(changes.deltaTokenTtlMs, 'deltaTokenTtlMs');
    if (changes.tokenLifetimeSeconds !== undefined)
      this.#tokens.lifetimeSeconds = positive(changes.tokenLifetimeSeconds, 'tokenLifetimeSeconds');
  }

  /** Sends a lifecycle notification for a subscription now. */
  lifecycle(subscriptionId: string, event: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed'): void {
    this.#subscriptions.lifecycle(subscriptionId, event);
  }

  deliveries(): readonly DeliveryRecord[] {
    return this.#subscriptions.deliveries;
  }
}

function positive(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw graphErrors.badRequest(`${name} must be a positive number.`);
  return value;
}
