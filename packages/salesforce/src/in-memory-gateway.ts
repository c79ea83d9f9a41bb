import { USER_REQUIRED_ON_CREATE } from '@provision/mapping/salesforce-user';
import { salesforceError } from './classify.ts';
import { assignEntitlementsInTurn } from './entitlement-steps.ts';
import { SalesforceGatewayError } from './gateway-error.ts';
import { membershipsOf } from './group-memberships.ts';
import { assignNames } from './in-memory-names.ts';
import type {
  ApiUsage,
  AssignPermissionSetsOptions,
  ConnectionReport,
  DeactivateOptions,
  EntitlementStep,
  EntitlementStepResult,
  FoundSalesforceUser,
  GroupMembershipChange,
  GroupMembershipResult,
  GroupMemberships,
  GroupRef,
  PermissionSetChange,
  PermissionSetResult,
  SalesforceError,
  SalesforceGateway,
  SalesforceProfile,
  SalesforceUserInput,
  SalesforceUserUpdate,
  WriteResult,
} from './types.ts';

/** A profile of the fake org and how many licences its user licence has. */
export interface InMemoryProfile {
  readonly name: string;
  readonly licence?: string;
  readonly total?: number;
}

type Rec = Record<string, unknown>;
type Method =
  | 'testConnection'
  | 'listProfiles'
  | 'findUsers'
  | 'createUsers'
  | 'updateUsers'
  | 'deactivateUsers'
  | 'freezeUsers'
  | 'assignPermissionSets'
  | 'permissionSetsOf'
  | 'assignGroupMemberships'
  | 'groupMembershipsOf'
  | 'assignPermissionSetGroups'
  | 'permissionSetGroupsOf'
  | 'assignPermissionSetLicenses'
  | 'permissionSetLicensesOf';

/**
 * An in-memory SalesforceGateway for unit tests of the writer: users, profiles with licences, the
 * rules that matter to provisioning (required fields, unique usernames, licences), and failure
 * injection — whole calls (`failNext`) or single records (`failRecords`). One call = one API call.
 */
export class InMemorySalesforceGateway implements SalesforceGateway {
  /** Users by id (inspect in assertions). */
  readonly users = new Map<string, Rec>();
  /** Usernames taken in other orgs: creating one fails with SalesforceDuplicateUserName. */
  readonly takenUsernames: Set<string>;
  /** Calls made, by method. */
  readonly callLog: Method[] = [];
  /** Permission-set names assigned to each user id (inspect in assertions). */
  readonly assignments = new Map<string, Set<string>>();
  /** Group memberships of each user id, as `publicGroup:Name` / `queue:Name` (inspect in assertions). */
  readonly memberships = new Map<string, Set<string>>();
  /** Permission set group and permission set licence DeveloperNames of each user id (inspect in assertions). */
  readonly permissionSetGroups = new Map<string, Set<string>>();
  readonly permissionSetLicenses = new Map<string, Set<string>>();
  readonly #groupNames: string[];
  /** Permission set licences: DeveloperName → TotalLicenses. */
  readonly #licenceTotals: Map<string, number>;
  readonly #groups: string[];
  readonly #roles: { id: string; name: string }[];
  readonly #permissionSets: string[];
  readonly #profiles: SalesforceProfile[];
  readonly #failures: { method: Method | 'any'; error: SalesforceError; times: number }[] = [];
  #recordFailure: ((record: Rec, method: Method) => SalesforceError | undefined) | undefined;
  #report: ConnectionReport;
  #next = 1;

  constructor(
    options: {
      profiles?: readonly InMemoryProfile[];
      takenUsernames?: readonly string[];
      report?: Partial<ConnectionReport>;
      /** UserRole names (default: CEO, Sales Manager, Sales Rep). */
      roles?: readonly string[];
      /** Assignable permission-set names (default: Provisioning_Integration, Sales_Cloud_User). */
      permissionSets?: readonly string[];
      /** Public groups and queues as `publicGroup:Name` / `queue:Name` (default: Sales_Team, Leads_Queue). */
      groups?: readonly string[];
      /** Permission set group DeveloperNames (default: Sales_Operations). */
      permissionSetGroups?: readonly string[];
      /** Permission set licences: DeveloperName → TotalLicenses (default: SalesConsoleUser ×3). */
      permissionSetLicenses?: Readonly<Record<string, number>>;
    } = {},
  ) {
    this.#roles = (options.roles ?? ['CEO', 'Sales Manager', 'Sales Rep']).map((name, i) => ({
      id: `00E${String(i).padStart(15, '0')}`,
      name,
    }));
    this.#permissionSets = [...(options.permissionSets ?? ['Provisioning_Integration', 'Sales_Cloud_User'])];
    this.#groups = [...(options.groups ?? ['publicGroup:Sales_Team', 'queue:Leads_Queue'])];
    this.#groupNames = [...(options.permissionSetGroups ?? ['Sales_Operations'])];
    this.#licenceTotals = new Map(Object.entries(options.permissionSetLicenses ?? { SalesConsoleUser: 3 }));
    const profiles = options.profiles ?? [
      { name: 'System Administrator', licence: 'Salesforce', total: 10 },
      { name: 'Standard User', licence: 'Salesforce', total: 10 },
      { name: 'Chatter Free User', licence: 'Chatter Free', total: 5000 },
    ];
    this.#profiles = profiles.map((p, i) => ({
      id: `00e${String(i).padStart(15, '0')}`,
      name: p.name,
      userLicense: p.licence ?? p.name,
      userType: 'Standard',
      licencesTotal: p.total ?? 1000,
      licencesUsed: 0,
      licencesRemaining: p.total ?? 1000,
    }));
    this.takenUsernames = new Set((options.takenUsernames ?? []).map((u) => u.toLowerCase()));
    this.#report = {
      ok: true,
      reachable: true,
      credentialsValid: true,
      apiEnabled: true,
      manageUsers: true,
      manageUsersOnProfile: true,
      missing: [],
      notes: [],
      ...options.report,
    };
  }

  /** The next `times` calls of `method` (or of any method) fail as a whole with `error`. */
  failNext(method: Method | 'any', error: SalesforceError, times = 1): void {
    this.#failures.push({ method, error, times });
  }

  /** Fails single records: the function returns the error for a record, or undefined to let it through. */
  failRecords(fn: ((record: Rec, method: Method) => SalesforceError | undefined) | undefined): void {
    this.#recordFailure = fn;
  }

  /** Replaces what testConnection reports. */
  setConnectionReport(report: ConnectionReport): void {
    this.#report = report;
  }

  usage(): ApiUsage {
    return { calls: this.callLog.length };
  }

  async close(): Promise<void> {}

  #enter(method: Method): SalesforceError | undefined {
    this.callLog.push(method);
    const i = this.#failures.findIndex((f) => f.method === method || f.method === 'any');
    if (i === -1) return undefined;
    const failure = this.#failures[i]!;
    if (--failure.times <= 0) this.#failures.splice(i, 1);
    return failure.error;
  }

  #licence(profileId: unknown): SalesforceProfile | undefined {
    return this.#profiles.find((p) => p.id === profileId);
  }

  #usedLicences(licence: string): number {
    let n = 0;
    for (const u of this.users.values()) {
      if (u['IsActive'] !== false && this.#licence(u['ProfileId'])?.userLicense === licence) n++;
    }
    return n;
  }

  async testConnection(): Promise<ConnectionReport> {
    const failure = this.#enter('testConnection');
    if (failure) return { ...this.#report, ok: false, error: failure, missing: [failure.message] };
    return this.#report;
  }

  async listProfiles(): Promise<SalesforceProfile[]> {
    const failure = this.#enter('listProfiles');
    if (failure) throw new SalesforceGatewayError(failure);
    return this.#profiles.map((p) => {
      const used = this.#usedLicences(p.userLicense);
      return { ...p, licencesUsed: used, licencesRemaining: Math.max(0, p.licencesTotal - used) };
    });
  }

  async findUsersEach(
    lookups: readonly { readonly attribute: string; readonly values: readonly string[] }[],
  ): Promise<FoundSalesforceUser[][]> {
    const out: FoundSalesforceUser[][] = [];
    for (const { attribute, values } of lookups) out.push(await this.findUsers(attribute, values));
    return out;
  }

  async findUsers(matchingAttribute: string, values: readonly string[]): Promise<FoundSalesforceUser[]> {
    const failure = this.#enter('findUsers');
    if (failure) throw new SalesforceGatewayError(failure);
    const wanted = new Set(values.map((v) => v.toLowerCase()));
    const out: FoundSalesforceUser[] = [];
    for (const u of this.users.values()) {
      const value = u[matchingAttribute];
      if (typeof value === 'string' && wanted.has(value.toLowerCase())) {
        const profile = this.#licence(u['ProfileId']);
        out.push({
          id: String(u['Id']),
          username: String(u['Username']),
          isActive: u['IsActive'] !== false,
          profileId: (u['ProfileId'] as string | undefined) ?? null,
          profileName: profile?.name ?? null,
          fields: {
            ...u,
            'Profile.Name': profile?.name ?? null,
            'UserRole.Name': this.#roles.find((r) => r.id === u['UserRoleId'])?.name ?? null,
            'UserRole.DeveloperName':
              this.#roles.find((r) => r.id === u['UserRoleId'])?.name.replace(/\W+/g, '_') ?? null,
          },
        });
      }
    }
    return out;
  }

  #resolve(record: SalesforceUserInput): Rec | SalesforceError {
    const { ProfileName, UserRoleName, ...rest } = record;
    const out: Rec = { ...rest };
    if (ProfileName !== undefined) {
      const profile = this.#profiles.find((p) => p.name.toLowerCase() === String(ProfileName).toLowerCase());
      if (!profile)
        return salesforceError('SalesforceUnknownProfile', `No profile named '${ProfileName}' in the org`, [
          'ProfileName',
        ]);
      out['ProfileId'] = profile.id;
    }
    if (UserRoleName === null || UserRoleName === '') out['UserRoleId'] = null;
    else if (UserRoleName !== undefined) {
      // By Name, or by DeveloperName (Setup derives it from the Name: non-word runs become "_").
      const wanted = String(UserRoleName).toLowerCase();
      const role =
        this.#roles.find((r) => r.name.toLowerCase() === wanted) ??
        this.#roles.find((r) => r.name.replace(/\W+/g, '_').toLowerCase() === wanted);
      if (!role)
        return salesforceError('SalesforceUnknownRole', `No role named '${UserRoleName}' in the org`, ['UserRoleName']);
      out['UserRoleId'] = role.id;
    }
    return out;
  }

  async assignPermissionSets(
    changes: readonly PermissionSetChange[],
    options: AssignPermissionSetsOptions = {},
  ): Promise<PermissionSetResult[]> {
    return this.#assignNames('assignPermissionSets', this.#permissionSets, this.assignments, changes, options, (name) =>
      salesforceError('SalesforceUnknownPermissionSet', `No assignable permission set named '${name}' in the org`, [
        'PermissionSets',
      ]),
    );
  }

  async assignPermissionSetGroups(
    changes: readonly PermissionSetChange[],
    options: AssignPermissionSetsOptions = {},
  ): Promise<PermissionSetResult[]> {
    return this.#assignNames(
      'assignPermissionSetGroups',
      this.#groupNames,
      this.permissionSetGroups,
      changes,
      options,
      (name) =>
        salesforceError('SalesforceUnknownPermissionSetGroup', `No permission set group '${name}' in the org`, [
          'PermissionSetGroups',
        ]),
    );
  }

  async assignPermissionSetLicenses(
    changes: readonly PermissionSetChange[],
    options: AssignPermissionSetsOptions = {},
  ): Promise<PermissionSetResult[]> {
    return this.#assignNames(
      'assignPermissionSetLicenses',
      [...this.#licenceTotals.keys()],
      this.permissionSetLicenses,
      changes,
      options,
      (name) =>
        salesforceError('SalesforceUnknownPermissionSetLicense', `No permission set licence '${name}' in the org`, [
          'PermissionSetLicenses',
        ]),
      (name) => {
        const used = [...this.permissionSetLicenses.values()].filter((held) => held.has(name)).length;
        const total = this.#licenceTotals.get(name) ?? 0;
        return used < total
          ? undefined
          : salesforceError(
              'SalesforceLicenseLimitExceeded',
              `No permission set licence '${name}' is left: ${used} of ${total} used (LICENSE_LIMIT_EXCEEDED)`,
              ['PermissionSetLicenses'],
            );
      },
    );
  }

  async permissionSetGroupsOf(userIds: readonly string[]): Promise<Map<string, string[]>> {
    return this.#heldNames('permissionSetGroupsOf', this.permissionSetGroups, userIds);
  }

  async permissionSetLicensesOf(userIds: readonly string[]): Promise<Map<string, string[]>> {
    return this.#heldNames('permissionSetLicensesOf', this.permissionSetLicenses, userIds);
  }

  #heldNames(method: Method, held: Map<string, Set<string>>, userIds: readonly string[]): Map<string, string[]> {
    const failure = this.#enter(method);
    if (failure) throw new SalesforceGatewayError(failure);
    return new Map(userIds.map((id) => [id, [...(held.get(id) ?? [])].sort()]));
  }

  /** Adds and removes names of one kind (permission sets, groups, licences); `refuse` may turn an add down. */
  #assignNames(
    method: Method,
    catalogue: readonly string[],
    heldBy: Map<string, Set<string>>,
    changes: readonly PermissionSetChange[],
    options: AssignPermissionSetsOptions,
    unknown: (name: string) => SalesforceError,
    refuse?: (name: string) => SalesforceError | undefined,
  ): PermissionSetResult[] {
    const failure = this.#enter(method);
    if (failure) return changes.map((c) => ({ ok: false, userId: c.userId, error: failure, errors: [failure] }));
    return assignNames(
      { catalogue, heldBy, hasUser: (id) => this.users.has(id), unknown, ...(refuse ? { refuse } : {}) },
      changes,
      options,
    );
  }

  async permissionSetsOf(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const failure = this.#enter('permissionSetsOf');
    if (failure) throw new SalesforceGatewayError(failure);
    return new Map(userIds.map((id) => [id, [...(this.assignments.get(id) ?? [])].sort()]));
  }

  /** Each step through its own method, in turn (the real gateway gathers their calls). */
  assignEntitlements(
    steps: readonly EntitlementStep[],
    options: AssignPermissionSetsOptions = {},
  ): Promise<EntitlementStepResult[]> {
    return assignEntitlementsInTurn(this, steps, options);
  }

  async assignGroupMemberships(
    changes: readonly GroupMembershipChange[],
    options: AssignPermissionSetsOptions = {},
  ): Promise<GroupMembershipResult[]> {
    const failure = this.#enter('assignGroupMemberships');
    if (failure) return changes.map((c) => ({ ok: false, userId: c.userId, error: failure, errors: [failure] }));
    const key = (g: GroupRef) => `${g.type}:${g.name}`;
    const results = assignNames(
      {
        catalogue: this.#groups,
        heldBy: this.memberships,
        hasUser: () => true,
        unknown: (k) => {
          const g = refOf(k);
          return salesforceError(
            'SalesforceUnknownGroup',
            `No ${g.type === 'queue' ? 'queue' : 'public group'} '${g.name}' (Group DeveloperName) in the org`,
            [g.type === 'queue' ? 'Queues' : 'PublicGroups'],
          );
        },
      },
      changes.map((c) => ({ userId: c.userId, add: c.add.map(key), remove: c.remove.map(key) })),
      options,
    );
    const groups = (keys: readonly string[] | undefined) => membershipsOf((keys ?? []).map(refOf));
    return results.map(
      (r): GroupMembershipResult =>
        r.ok
          ? { ok: true, userId: r.userId, before: groups(r.before), after: groups(r.after) }
          : { ...r, before: groups(r.before), after: groups(r.after) },
    );
  }

  async groupMembershipsOf(userIds: readonly string[]): Promise<Map<string, GroupMemberships>> {
    const failure = this.#enter('groupMembershipsOf');
    if (failure) throw new SalesforceGatewayError(failure);
    return new Map(userIds.map((id) => [id, membershipsOf([...(this.memberships.get(id) ?? [])].map(refOf))]));
  }

  #check(next: Rec, selfId?: string): SalesforceError | undefined {
    const missing = USER_REQUIRED_ON_CREATE.filter((f) => next[f] === undefined || next[f] === null || next[f] === '');
    if (missing.length > 0) {
      return salesforceError(
        'SalesforceRequiredFieldMissing',
        `Required fields are missing: [${missing.join(', ')}]`,
        missing,
      );
    }
    const username = String(next['Username']).toLowerCase();
    const clash = [...this.users.values()].some(
      (u) => u['Id'] !== selfId && String(u['Username']).toLowerCase() === username,
    );
    if (clash || this.takenUsernames.has(username)) {
      return salesforceError('SalesforceDuplicateUserName', 'Duplicate Username.', ['Username']);
    }
    return undefined;
  }

  #fail(error: SalesforceError, id?: string): WriteResult {
    return { ok: false, ...(id ? { id } : {}), error, errors: [error] };
  }

  async createUsers(records: readonly SalesforceUserInput[]): Promise<WriteResult[]> {
    const failure = this.#enter('createUsers');
    if (failure) return records.map(() => this.#fail(failure));
    return records.map((record) => {
      const resolved = this.#resolve(record);
      if ('code' in resolved && 'retriable' in resolved) return this.#fail(resolved as SalesforceError);
      const injected = this.#recordFailure?.(resolved, 'createUsers');
      if (injected) return this.#fail(injected);
      const problem = this.#check(resolved);
      if (problem) return this.#fail(problem);
      const profile = this.#licence(resolved['ProfileId']);
      if (
        resolved['IsActive'] !== false &&
        profile &&
        this.#usedLicences(profile.userLicense) >= profile.licencesTotal
      ) {
        return this.#fail(
          salesforceError('SalesforceLicenseLimitExceeded', `License Limit Exceeded - ${profile.userLicense}`),
        );
      }
      const id = `005${String(this.#next++).padStart(15, '0')}`;
      this.users.set(id, { IsActive: true, ...resolved, Id: id });
      return { ok: true, id };
    });
  }

  async updateUsers(records: readonly SalesforceUserUpdate[]): Promise<WriteResult[]> {
    const failure = this.#enter('updateUsers');
    if (failure) return records.map((r) => this.#fail(failure, r.Id));
    return records.map((record) => this.#update(record));
  }

  #update(record: SalesforceUserUpdate): WriteResult {
    const resolved = this.#resolve(record);
    if ('code' in resolved && 'retriable' in resolved) return this.#fail(resolved as SalesforceError, record.Id);
    const current = this.users.get(record.Id);
    if (!current) return this.#fail(salesforceError('SalesforceInvalidValue', 'invalid cross reference id'), record.Id);
    const injected = this.#recordFailure?.(resolved, 'updateUsers');
    if (injected) return this.#fail(injected, record.Id);
    const next = { ...current, ...resolved };
    const problem = this.#check(next, record.Id);
    if (problem) return this.#fail(problem, record.Id);
    this.users.set(record.Id, next);
    return { ok: true, id: record.Id };
  }

  async deactivateUsers(ids: readonly string[], options: DeactivateOptions = {}): Promise<WriteResult[]> {
    const failure = this.#enter('deactivateUsers');
    if (failure) return ids.map((id) => this.#fail(failure, id));
    return ids.map((Id) => this.#update({ Id, IsActive: false, ...(options.freeze ? { IsFrozen: true } : {}) }));
  }

  async freezeUsers(ids: readonly string[], frozen: boolean): Promise<WriteResult[]> {
    const failure = this.#enter('freezeUsers');
    if (failure) return ids.map((id) => this.#fail(failure, id));
    return ids.map((Id) => {
      const current = this.users.get(Id);
      if (!current) return this.#fail(salesforceError('SalesforceRecordNotFound', `No UserLogin for user ${Id}`), Id);
      this.users.set(Id, { ...current, IsFrozen: frozen });
      return { ok: true, id: Id };
    });
  }
}

function refOf(key: string): GroupRef {
  const [type, ...name] = key.split(':');
  return { type: type === 'queue' ? 'queue' : 'publicGroup', name: name.join(':') };
}
