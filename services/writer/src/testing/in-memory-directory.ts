import { SalesforceCallError } from '../domain/errors.ts';
import type { ApiOperation } from '../domain/observer.ts';
import { REQUIRED_ON_CREATE } from '../domain/plan.ts';
import type {
  ExistingSalesforceUser,
  Fields,
  GroupMembershipChange,
  GroupMembershipOutcome,
  GroupMemberships,
  PermissionSetChange,
  PermissionSetOutcome,
  SalesforceDirectory,
  SalesforceFailure,
  SaveOutcome,
  UserUpdate,
} from '../domain/ports.ts';

type Operation = ApiOperation;

const CASE_INSENSITIVE = new Set(['Username', 'Email']);
const same = (attribute: string, a: unknown, b: string) =>
  typeof a === 'string' && (CASE_INSENSITIVE.has(attribute) ? a.toLowerCase() === b.toLowerCase() : a === b);

/**
 * A Salesforce org in memory, for the writer's unit tests: users, global username uniqueness
 * (`takenElsewhere`), a licence limit, and failure injection per call or per record.
 */
export class InMemorySalesforceDirectory implements SalesforceDirectory {
  readonly users = new Map<string, Record<string, unknown>>();
  readonly calls: { operation: Operation; size: number }[] = [];
  /** Usernames that exist in another org (Salesforce usernames are global). */
  readonly takenElsewhere = new Set<string>();
  licenceLimit = Number.POSITIVE_INFINITY;
  /** Permission sets the org has (names). */
  readonly permissionSetNames = new Set(['Sales_Cloud_User', 'Marketing_Tools', 'Service_Cloud_User']);
  /** Permission sets held by each user, by Salesforce Id. */
  readonly assignments = new Map<string, Set<string>>();
  /** Public groups and queues (`publicGroup:Name`, `queue:Name`) the org has. */
  readonly groupNames = new Set(['publicGroup:Sales_Team', 'publicGroup:Marketing_Team', 'queue:Leads_Queue']);
  /** Memberships of each user (`publicGroup:Name`, `queue:Name`), by Salesforce Id. */
  readonly memberships = new Map<string, Set<string>>();
  /** The changes each assignGroupMemberships call received. */
  readonly groupMembershipCalls: (readonly GroupMembershipChange[])[] = [];
  /** Permission set groups the org has (DeveloperNames), and each user's, by Salesforce Id. */
  readonly permissionSetGroupNames = new Set(['Sales_Operations', 'Console_Agents']);
  readonly permissionSetGroups = new Map<string, Set<string>>();
  /** Permission set licences the org has: DeveloperName → TotalLicenses; each user's, by Salesforce Id. */
  readonly licenceTotals = new Map([['SalesConsoleUser', 2]]);
  readonly permissionSetLicenses = new Map<string, Set<string>>();
  /** The order in which entitlement calls were made (operation and, for licences, add or remove). */
  readonly entitlementCalls: string[] = [];
  /** The changes each assignPermissionSets call received. */
  readonly permissionSetCalls: (readonly PermissionSetChange[])[] = [];
  private nextId = 1;
  private readonly callFailures: { operation: Operation; error: SalesforceCallError; afterWrite: boolean }[] = [];
  private readonly recordFailures: { match: (fields: Fields) => boolean; failure: SalesforceFailure; times: number }[] =
    [];

  /** Seeds an existing user; returns its Id. */
  seed(fields: Record<string, unknown>): string {
    const id = this.newId();
    this.users.set(id, { IsActive: true, ...fields });
    return id;
  }

  /** The next call of `operation` throws `error` (before touching anything). */
  failNextCall(operation: Operation, error: SalesforceCallError): void {
    this.callFailures.push({ operation, error, afterWrite: false });
  }

  /** The next call of `operation` does its work, then its answer is lost (a network error). */
  loseNextAnswer(operation: Operation): void {
    const error = new SalesforceCallError(
      { code: 'SalesforceRequestFailed', message: 'socket hang up', fields: [], retriable: true },
      { jobLevel: false },
    );
    this.callFailures.push({ operation, error, afterWrite: true });
  }

  /** Records matching `match` fail with `failure`, `times` times. */
  failRecords(match: (fields: Fields) => boolean, failure: SalesforceFailure, times = 1): void {
    this.recordFailures.push({ match, failure, times });
  }

  count(operation: Operation): number {
    return this.calls.filter((c) => c.operation === operation).length;
  }

  async findUsers(
    attribute: string,
    values: readonly string[],
    fields: readonly string[],
  ): Promise<ExistingSalesforceUser[]> {
    this.begin('query', values.length);
    return this.usersWhere(attribute, values, fields);
  }

  /** The users whose `attribute` is one of `values`, with `fields`: what a query answers, not counted as a call. */
  protected usersWhere(
    attribute: string,
    values: readonly string[],
    fields: readonly string[],
  ): ExistingSalesforceUser[] {
    const out: ExistingSalesforceUser[] = [];
    for (const [id, user] of this.users) {
      const value = attribute === 'Id' ? id : user[attribute];
      if (!values.some((v) => (attribute === 'Id' ? v === id : same(attribute, value, v)))) continue;
      out.push({ id, fields: Object.fromEntries(fields.map((f) => [f, (user[f] ?? null) as never])) });
    }
    return out;
  }

  async createUsers(records: readonly Fields[]): Promise<SaveOutcome[]> {
    const fail = this.begin('create', records.length);
    const outcomes = records.map((r) => this.createOne(r));
    if (fail) throw fail;
    return outcomes;
  }

  async updateUsers(updates: readonly UserUpdate[]): Promise<SaveOutcome[]> {
    const fail = this.begin('update', updates.length);
    const outcomes = updates.map((u) => this.updateOne(u));
    if (fail) throw fail;
    return outcomes;
  }

  async readPermissionSets(userIds: readonly string[]): Promise<Map<string, string[]>> {
    this.begin('permissionSets', userIds.length);
    return new Map(userIds.map((id) => [id, [...(this.assignments.get(id) ?? [])].sort()]));
  }

  async assignPermissionSets(
    changes: readonly PermissionSetChange[],
    options: { readonly dryRun: boolean },
  ): Promise<PermissionSetOutcome[]> {
    const fail = this.begin('permissionSets', changes.length);
    this.permissionSetCalls.push(changes);
    const outcomes = changes.map((change): PermissionSetOutcome => {
      const injected = this.injected({ PermissionSets: [...change.add] });
      if (injected && !injected.ok) return { ok: false, failure: injected.failure };
      const held = this.assignments.get(change.userId) ?? new Set<string>();
      const before = [...held].sort();
      const next = new Set(held);
      const unknown = change.add.filter((name) => !this.permissionSetNames.has(name));
      for (const name of change.add) if (this.permissionSetNames.has(name)) next.add(name);
      for (const name of change.remove) next.delete(name);
      if (!options.dryRun) this.assignments.set(change.userId, next);
      const after = [...next].sort();
      if (unknown.length === 0) return { ok: true, before, after };
      return {
        ok: false,
        before,
        after,
        failure: {
          code: 'SalesforceUnknownPermissionSet',
          message: `No assignable permission set named '${unknown[0]}' in the org`,
          fields: ['PermissionSets'],
          retriable: false,
        },
      };
    });
    if (fail) throw fail;
    return outcomes;
  }

  async assignPermissionSetGroups(
    changes: readonly PermissionSetChange[],
    options: { readonly dryRun: boolean },
  ): Promise<PermissionSetOutcome[]> {
    return this.assignNames('permissionSetGroups', this.permissionSetGroups, changes, options, (name) =>
      this.permissionSetGroupNames.has(name)
        ? undefined
        : this.refusal(
            'SalesforceUnknownPermissionSetGroup',
            `No permission set group '${name}' in the org`,
            'PermissionSetGroups',
          ),
    );
  }

  async assignPermissionSetLicenses(
    changes: readonly PermissionSetChange[],
    options: { readonly dryRun: boolean },
  ): Promise<PermissionSetOutcome[]> {
    return this.assignNames('permissionSetLicenses', this.permissionSetLicenses, changes, options, (name) => {
      const total = this.licenceTotals.get(name);
      if (total === undefined)
        return this.refusal(
          'SalesforceUnknownPermissionSetLicense',
          `No permission set licence '${name}' in the org`,
          'PermissionSetLicenses',
        );
      const used = [...this.permissionSetLicenses.values()].filter((held) => held.has(name)).length;
      return used < total
        ? undefined
        : this.refusal(
            'SalesforceLicenseLimitExceeded',
            `No permission set licence '${name}' is left: ${used} of ${total} used (LICENSE_LIMIT_EXCEEDED)`,
            'PermissionSetLicenses',
          );
    });
  }

  async readPermissionSetGroups(userIds: readonly string[]): Promise<Map<string, string[]>> {
    this.begin('permissionSetGroups', userIds.length);
    return new Map(userIds.map((id) => [id, [...(this.permissionSetGroups.get(id) ?? [])].sort()]));
  }

  async readPermissionSetLicenses(userIds: readonly string[]): Promise<Map<string, string[]>> {
    this.begin('permissionSetLicenses', userIds.length);
    return new Map(userIds.map((id) => [id, [...(this.permissionSetLicenses.get(id) ?? [])].sort()]));
  }

  private refusal(code: string, message: string, field: string): SalesforceFailure {
    return { code, message, fields: [field], retriable: false };
  }

  /** Names of one kind added and removed; `refuse` turns an add down (unknown, or no licence left). */
  private assignNames(
    operation: Operation,
    heldBy: Map<string, Set<string>>,
    changes: readonly PermissionSetChange[],
    options: { readonly dryRun: boolean },
    refuse: (name: string) => SalesforceFailure | undefined,
  ): PermissionSetOutcome[] {
    const fail = this.begin(operation, changes.length);
    const adds = changes.some((c) => c.add.length > 0);
    const removes = changes.some((c) => c.remove.length > 0);
    this.entitlementCalls.push(`${operation}${adds ? '+' : ''}${removes ? '-' : ''}`);
    const outcomes = changes.map((change): PermissionSetOutcome => {
      const held = heldBy.get(change.userId) ?? new Set<string>();
      const before = [...held].sort();
      const next = new Set(held);
      let failure: SalesforceFailure | undefined;
      for (const name of change.add) {
        const refused = next.has(name) ? undefined : refuse(name);
        if (refused) failure ??= refused;
        else next.add(name);
        if (!options.dryRun) heldBy.set(change.userId, next);
      }
      for (const name of change.remove) if (!change.add.includes(name)) next.delete(name);
      if (!options.dryRun) heldBy.set(change.userId, next);
      const after = [...next].sort();
      return failure ? { ok: false, before, after, failure } : { ok: true, before, after };
    });
    if (fail) throw fail;
    return outcomes;
  }

  async readGroupMemberships(userIds: readonly string[]): Promise<Map<string, GroupMemberships>> {
    this.begin('groupMemberships', userIds.length);
    return new Map(userIds.map((id) => [id, membershipsOf(this.memberships.get(id) ?? [])]));
  }

  async assignGroupMemberships(
    changes: readonly GroupMembershipChange[],
    options: { readonly dryRun: boolean },
  ): Promise<GroupMembershipOutcome[]> {
    const fail = this.begin('groupMemberships', changes.length);
    this.groupMembershipCalls.push(changes);
    const outcomes = changes.map((change): GroupMembershipOutcome => {
      const held = this.memberships.get(change.userId) ?? new Set<string>();
      const before = membershipsOf(held);
      const next = new Set(held);
      const unknown = change.add.filter((g) => !this.groupNames.has(`${g.type}:${g.name}`));
      for (const g of change.add) if (this.groupNames.has(`${g.type}:${g.name}`)) next.add(`${g.type}:${g.name}`);
      for (const g of change.remove) next.delete(`${g.type}:${g.name}`);
      if (!options.dryRun) this.memberships.set(change.userId, next);
      const after = membershipsOf(next);
      if (unknown.length === 0) return { ok: true, before, after };
      const g = unknown[0]!;
      return {
        ok: false,
        before,
        after,
        failure: {
          code: 'SalesforceUnknownGroup',
          message: `No ${g.type === 'queue' ? 'queue' : 'public group'} '${g.name}' (Group DeveloperName) in the org`,
          fields: [g.type === 'queue' ? 'Queues' : 'PublicGroups'],
          retriable: false,
        },
      };
    });
    if (fail) throw fail;
    return outcomes;
  }

  private createOne(fields: Fields): SaveOutcome {
    const injected = this.injected(fields);
    if (injected) return injected;
    const missing = REQUIRED_ON_CREATE.filter((f) => fields[f] === undefined || fields[f] === null || fields[f] === '');
    if (missing.length > 0) {
      return this.refuse(
        'SalesforceRequiredFieldMissing',
        'REQUIRED_FIELD_MISSING',
        `Required fields are missing: [${missing.join(', ')}]`,
        missing,
      );
    }
    const username = String(fields['Username']).toLowerCase();
    const local = [...this.users.values()].some((u) => String(u['Username']).toLowerCase() === username);
    if (local || this.takenElsewhere.has(username)) {
      return this.refuse('SalesforceDuplicateUserName', 'DUPLICATE_USERNAME', 'Duplicate Username.', ['Username']);
    }
    if (fields['IsActive'] !== false && this.activeCount() >= this.licenceLimit) {
      return this.refuse('SalesforceLicenseLimitExceeded', 'LICENSE_LIMIT_EXCEEDED', 'License Limit Exceeded', []);
    }
    const id = this.newId();
    this.users.set(id, { IsActive: true, ...fields, Username: username });
    return { ok: true, id };
  }

  private updateOne(update: UserUpdate): SaveOutcome {
    const injected = this.injected(update.fields);
    if (injected) return injected;
    const user = this.users.get(update.id);
    if (!user)
      return this.refuse('SalesforceRequestFailed', 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [
        'Id',
      ]);
    if (update.fields['IsActive'] === true && user['IsActive'] === false && this.activeCount() >= this.licenceLimit) {
      return this.refuse('SalesforceLicenseLimitExceeded', 'LICENSE_LIMIT_EXCEEDED', 'License Limit Exceeded', []);
    }
    Object.assign(user, update.fields);
    return { ok: true, id: update.id };
  }

  private injected(fields: Fields): SaveOutcome | undefined {
    const rule = this.recordFailures.find((r) => r.times > 0 && r.match(fields));
    if (!rule) return undefined;
    rule.times--;
    return { ok: false, failure: rule.failure };
  }

  private refuse(code: string, salesforceCode: string, message: string, fields: string[]): SaveOutcome {
    return { ok: false, failure: { code, salesforceCode, message, fields, retriable: false } };
  }

  private begin(operation: Operation, size: number): SalesforceCallError | undefined {
    this.calls.push({ operation, size });
    const index = this.callFailures.findIndex((f) => f.operation === operation);
    if (index < 0) return undefined;
    const [failure] = this.callFailures.splice(index, 1);
    if (failure && !failure.afterWrite) throw failure.error;
    return failure?.error;
  }

  private activeCount(): number {
    return [...this.users.values()].filter((u) => u['IsActive'] !== false).length;
  }

  private newId(): string {
    return `005${String(this.nextId++).padStart(12, '0')}AAA`;
  }
}

function membershipsOf(keys: Iterable<string>): { publicGroups: string[]; queues: string[] } {
  const list = [...keys];
  const of = (prefix: string) =>
    list
      .filter((k) => k.startsWith(prefix))
      .map((k) => k.slice(prefix.length))
      .sort();
  return { publicGroups: of('publicGroup:'), queues: of('queue:') };
}
