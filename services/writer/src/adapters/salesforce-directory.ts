import {
  assignEntitlementsInTurn,
  type FoundSalesforceUser,
  type SalesforceError,
  type SalesforceGateway,
  SalesforceGatewayError,
  type WriteResult,
} from '@provision/salesforce';
import { inSpan } from '@provision/telemetry';
import { ROLE_DEVELOPER_NAME_FIELD } from '../domain/diff.ts';
import { SalesforceCallError } from '../domain/errors.ts';
import type {
  EntitlementStepChanges,
  ExistingSalesforceUser,
  FeatureLicenseCount,
  Fields,
  GroupMembershipChange,
  GroupMembershipOutcome,
  GroupMemberships,
  PermissionSetChange,
  PermissionSetOutcome,
  RateBudget,
  SalesforceDirectory,
  SalesforceFailure,
  SaveOutcome,
  UserUpdate,
} from '../domain/ports.ts';

// The writer's pseudo-fields (a name where Salesforce wants an Id; the gateway resolves them when
// writing) and the SOQL paths that read them back.
const READ_AS: Readonly<Record<string, string>> = { ProfileName: 'Profile.Name', UserRoleName: 'UserRole.Name' };
// Permission sets, permission set groups and licences, public groups and queues are not User
// fields (they go through their own assign calls): never selected nor written.
const NOT_FIELDS: ReadonlySet<string> = new Set([
  'PermissionSets',
  'PublicGroups',
  'Queues',
  'PermissionSetGroups',
  'PermissionSetLicenses',
]);
// IsFrozen is UserLogin's, not User's: never selected (so a command that states it always writes
// it, which is harmless), written through the gateway's freezeUsers.
const FROZEN = 'IsFrozen';
const ROLE_DEVELOPER_NAME = 'UserRole.DeveloperName';

/**
 * Failures that hit the request, not a record: the gateway reports them on every record of the
 * call, the writer wants them thrown (to retry the whole call, or to halt the job).
 */
const REQUEST_LEVEL = new Set([
  'SalesforceNetworkError',
  'SalesforceServiceUnavailable',
  'SalesforceSessionExpired',
  'SalesforceRequestLimitExceeded',
  'SalesforceAuthenticationFailed',
  'SalesforceApiDisabled',
  'SalesforceMalformedRequest',
]);

function failureOf(error: SalesforceError): SalesforceFailure {
  return {
    code: error.code,
    salesforceCode: error.salesforceCode,
    message: error.message,
    fields: [...error.fields],
    retriable: error.retriable,
  };
}

function callError(error: SalesforceError, cause?: unknown): SalesforceCallError {
  const http = /^ERROR_HTTP_(\d{3})$/.exec(error.salesforceCode ?? '');
  return new SalesforceCallError(failureOf(error), { status: http ? Number(http[1]) : undefined, cause });
}

function fieldValue(fields: Readonly<Record<string, unknown>>, name: string): Fields[string] {
  const path = READ_AS[name] ?? name;
  const value =
    path in fields ? fields[path] : Object.entries(fields).find(([k]) => k.toLowerCase() === path.toLowerCase())?.[1];
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(String);
  return String(value);
}

/** A gateway's answer for one user's entitlements, whatever their kind. */
type AssignResult<T> =
  | { readonly ok: true; readonly before: T; readonly after: T }
  | { readonly ok: false; readonly before?: T; readonly after?: T; readonly error: SalesforceError };

/** The writer's outcome for one user's entitlements. */
type AssignOutcome<T> =
  | { readonly ok: true; readonly before: T; readonly after: T }
  | { readonly ok: false; readonly before?: T; readonly after?: T; readonly failure: SalesforceFailure };

export interface GatewayDirectoryOptions {
  /** Charged for the requests a call made beyond the one the writer paid for (logins, profile lists, retries). */
  readonly budget?: RateBudget;
  /** `disable` also freezes the login (UserLogin.IsFrozen), through the gateway's deactivateUsers. */
  readonly freezeOnDisable?: boolean;
}

/**
 * The writer's `SalesforceDirectory` over `@provision/salesforce`'s gateway: maps `ProfileName`
 * to `Profile.Name` when reading, turns failures the gateway reports on every record of a call
 * into one thrown `SalesforceCallError`, and charges the shared budget for every HTTP request the
 * gateway made.
 */
export class GatewayDirectory implements SalesforceDirectory {
  private readonly gateway: SalesforceGateway;
  private readonly options: GatewayDirectoryOptions;
  readonly unsupportedFields: ReadonlySet<string> = new Set<string>();

  constructor(gateway: SalesforceGateway, options: GatewayDirectoryOptions = {}) {
    this.gateway = gateway;
    this.options = options;
  }

  async findUsers(
    attribute: string,
    values: readonly string[],
    fields: readonly string[],
  ): Promise<ExistingSalesforceUser[]> {
    const [users] = await this.lookUp('findUsers', [{ attribute, values }], fields);
    return users ?? [];
  }

  async findUsersEach(
    lookups: readonly { readonly attribute: string; readonly values: readonly string[] }[],
    fields: readonly string[],
  ): Promise<ExistingSalesforceUser[][]> {
    return this.lookUp('findUsersEach', lookups, fields);
  }

  private async lookUp(
    operation: 'findUsers' | 'findUsersEach',
    lookups: readonly { readonly attribute: string; readonly values: readonly string[] }[],
    fields: readonly string[],
  ): Promise<ExistingSalesforceUser[][]> {
    const select = [...new Set(fields.filter((f) => !NOT_FIELDS.has(f) && f !== FROZEN).map((f) => READ_AS[f] ?? f))];
    // A role rule may name the role by DeveloperName: read it too, so that it compares as the same role.
    const roleByDeveloperName = fields.includes('UserRoleName');
    if (roleByDeveloperName) select.push(ROLE_DEVELOPER_NAME);
    const asked = lookups.map((l) => ({ attribute: READ_AS[l.attribute] ?? l.attribute, values: l.values }));
    const values = lookups.reduce((n, l) => n + l.values.length, 0);
    const found = await this.metered(operation, values, async () => {
      try {
        if (operation === 'findUsers' || !this.gateway.findUsersEach) {
          const out: FoundSalesforceUser[][] = [];
          for (const l of asked) out.push(await this.gateway.findUsers(l.attribute, l.values, { fields: select }));
          return out;
        }
        return await this.gateway.findUsersEach(asked, { fields: select });
      } catch (error) {
        throw callError(SalesforceGatewayError.from(error).salesforce, error);
      }
    });
    return found.map((users, n) =>
      users.map((u) => ({
        id: u.id,
        fields: {
          ...Object.fromEntries(
            [...fields, lookups[n]!.attribute].map((f) => [
              f,
              f === 'ProfileName' ? u.profileName : fieldValue(u.fields, f),
            ]),
          ),
          ...(roleByDeveloperName ? { [ROLE_DEVELOPER_NAME_FIELD]: fieldValue(u.fields, ROLE_DEVELOPER_NAME) } : {}),
        },
      })),
    );
  }

  async createUsers(records: readonly Fields[]): Promise<SaveOutcome[]> {
    const results = await this.metered('createUsers', records.length, () =>
      this.gateway.createUsers(records.map((r) => this.writable(r))),
    );
    return this.outcomes(results);
  }

  async updateUsers(updates: readonly UserUpdate[]): Promise<SaveOutcome[]> {
    const freeze = (u: UserUpdate) =>
      this.options.freezeOnDisable === true && u.fields['IsActive'] === false && Object.keys(u.fields).length === 1;
    const plain = updates.filter((u) => !freeze(u) && Object.keys(u.fields).some((f) => f !== FROZEN));
    const frozen = updates.filter(freeze);
    const logins = updates.filter((u) => !freeze(u) && typeof u.fields[FROZEN] === 'boolean');
    const results = await this.metered('updateUsers', updates.length, async () => {
      const updated =
        plain.length > 0
          ? await this.gateway.updateUsers(plain.map((u) => ({ ...this.writable(u.fields), Id: u.id })))
          : [];
      const deactivated =
        frozen.length > 0
          ? await this.gateway.deactivateUsers(
              frozen.map((u) => u.id),
              { freeze: true },
            )
          : [];
      const byUpdate = new Map<UserUpdate, WriteResult | undefined>([
        ...plain.map((u, i) => [u, updated[i]] as const),
        ...frozen.map((u, i) => [u, deactivated[i]] as const),
      ]);
      // The login's freeze after the User's own fields (a reactivation unfreezes once active again);
      // a user whose User update failed is left as it was.
      for (const value of [true, false]) {
        const these = logins.filter((u) => u.fields[FROZEN] === value && byUpdate.get(u)?.ok !== false);
        if (these.length === 0) continue;
        const set = await this.gateway.freezeUsers(
          these.map((u) => u.id),
          value,
        );
        for (const [i, u] of these.entries()) byUpdate.set(u, set[i]);
      }
      return updates.map((u) => byUpdate.get(u));
    });
    return this.outcomes(results);
  }

  async assignPermissionSets(
    changes: readonly PermissionSetChange[],
    options: { readonly dryRun: boolean },
  ): Promise<PermissionSetOutcome[]> {
    return this.assign('assignPermissionSets', changes, () =>
      this.gateway.assignPermissionSets(changes, { dryRun: options.dryRun }),
    );
  }

  async assignGroupMemberships(
    changes: readonly GroupMembershipChange[],
    options: { readonly dryRun: boolean },
  ): Promise<GroupMembershipOutcome[]> {
    return this.assign('assignGroupMemberships', changes, () =>
      this.gateway.assignGroupMemberships(changes, { dryRun: options.dryRun }),
    );
  }

  async assignPermissionSetGroups(
    changes: readonly PermissionSetChange[],
    options: { readonly dryRun: boolean },
  ): Promise<PermissionSetOutcome[]> {
    return this.assign('assignPermissionSetGroups', changes, () =>
      this.gateway.assignPermissionSetGroups(changes, { dryRun: options.dryRun }),
    );
  }

  async assignPermissionSetLicenses(
    changes: readonly PermissionSetChange[],
    options: { readonly dryRun: boolean },
  ): Promise<PermissionSetOutcome[]> {
    return this.assign('assignPermissionSetLicenses', changes, () =>
      this.gateway.assignPermissionSetLicenses(changes, { dryRun: options.dryRun }),
    );
  }

  async assignEntitlements(
    steps: readonly EntitlementStepChanges[],
    options: { readonly dryRun: boolean },
  ): Promise<(PermissionSetOutcome[] | GroupMembershipOutcome[])[]> {
    const run =
      this.gateway.assignEntitlements?.bind(this.gateway) ??
      ((s: readonly EntitlementStepChanges[], o: { dryRun: boolean }) => assignEntitlementsInTurn(this.gateway, s, o));
    const records = steps.reduce((n, s) => n + s.changes.length, 0);
    const results = await this.metered('assignEntitlements', records, () => run(steps, { dryRun: options.dryRun }));
    return results.map((stepResults) => this.outcomesOf(stepResults as readonly AssignResult<unknown>[]) as never);
  }

  async readPermissionSetGroups(userIds: readonly string[]): Promise<Map<string, string[]>> {
    return this.read('readPermissionSetGroups', userIds, () => this.gateway.permissionSetGroupsOf(userIds));
  }

  async readPermissionSetLicenses(userIds: readonly string[]): Promise<Map<string, string[]>> {
    return this.read('readPermissionSetLicenses', userIds, () => this.gateway.permissionSetLicensesOf(userIds));
  }

  async readGroupMemberships(userIds: readonly string[]): Promise<Map<string, GroupMemberships>> {
    return this.read('readGroupMemberships', userIds, () => this.gateway.groupMembershipsOf(userIds));
  }

  async readPermissionSets(userIds: readonly string[]): Promise<Map<string, string[]>> {
    return this.read('readPermissionSets', userIds, () => this.gateway.permissionSetsOf(userIds));
  }

  /**
   * One entitlement call of the gateway: a failure it reports on every user of the call is thrown
   * (to retry the whole, or halt the job); the others become each user's outcome.
   */
  private async assign<T>(
    operation: string,
    changes: readonly unknown[],
    call: () => Promise<readonly AssignResult<T>[]>,
  ): Promise<AssignOutcome<T>[]> {
    if (changes.length === 0) return [];
    return this.outcomesOf(await this.metered(operation, changes.length, call));
  }

  /** Each user's outcome of one entitlement step; a failure reported on every user of it is thrown. */
  private outcomesOf<T>(results: readonly AssignResult<T>[]): AssignOutcome<T>[] {
    const failures = results.map((r) => (r.ok ? undefined : r.error));
    const first = failures[0];
    if (first && REQUEST_LEVEL.has(first.code) && failures.every((f) => f?.code === first.code)) throw callError(first);
    return results.map((r) =>
      r.ok
        ? { ok: true, before: r.before, after: r.after }
        : {
            ok: false,
            failure: failureOf(r.error),
            ...(r.before ? { before: r.before } : {}),
            ...(r.after ? { after: r.after } : {}),
          },
    );
  }

  async featureLicenses(): Promise<readonly FeatureLicenseCount[]> {
    const read = this.gateway.featureLicenseCounts?.bind(this.gateway);
    if (!read) return [];
    return this.metered('featureLicenses', 1, async () => {
      try {
        return await read();
      } catch (error) {
        throw callError(SalesforceGatewayError.from(error).salesforce, error);
      }
    });
  }

  /** One read of users' entitlements; a failure is thrown as a `SalesforceCallError`. */
  private read<T>(operation: string, userIds: readonly string[], call: () => Promise<T>): Promise<T> {
    return this.metered(operation, userIds.length, async () => {
      try {
        return await call();
      } catch (error) {
        throw callError(SalesforceGatewayError.from(error).salesforce, error);
      }
    });
  }

  private writable(fields: Fields): Record<string, unknown> {
    return Object.fromEntries(Object.entries(fields).filter(([k]) => !NOT_FIELDS.has(k) && k !== FROZEN));
  }

  private outcomes(results: readonly (WriteResult | undefined)[]): SaveOutcome[] {
    const failures = results.map((r) => (r && !r.ok ? r.error : undefined));
    const first = failures[0];
    if (first && REQUEST_LEVEL.has(first.code) && failures.every((f) => f?.code === first.code)) throw callError(first);
    return results.map((r) => {
      if (!r)
        return {
          ok: false,
          failure: { code: 'SalesforceUnknown', message: 'no result for this record', fields: [], retriable: true },
        };
      return r.ok ? { ok: true, id: r.id } : { ok: false, failure: failureOf(r.error) };
    });
  }

  /**
   * Runs a gateway call in a `salesforce <operation>` span (a child of the flush it belongs to) and
   * charges the budget for the requests it made beyond the first.
   */
  private metered<T>(operation: string, records: number, call: () => Promise<T>): Promise<T> {
    const attributes = { 'provision.salesforce.operation': operation, 'provision.salesforce.records': records };
    return inSpan(`salesforce ${operation}`, { kind: 'client', attributes }, async (span) => {
      const before = this.gateway.usage().calls;
      try {
        return await call();
      } finally {
        const requests = this.gateway.usage().calls - before;
        span.setAttribute('provision.salesforce.requests', requests);
        if (requests > 1 && this.options.budget) await this.options.budget.spend(requests - 1);
      }
    });
  }
}
