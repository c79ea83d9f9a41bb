import type { NamedSet } from './assignment-rows.ts';
import { salesforceError } from './classify.ts';
import type { SalesforceError, SalesforceProfile, SalesforceUserInput, WriteResult } from './types.ts';

type Rec = Record<string, unknown>;

/**
 * The org's profiles, roles and assignable permission sets by name, each read with one query when
 * first needed, read again once when a name is unknown, and forgotten when Salesforce says a cached
 * id no longer exists (`INVALID_CROSS_REFERENCE_KEY`).
 */
export class NameLists {
  readonly #query: (soql: string) => Promise<Rec[]>;
  readonly #listProfiles: () => Promise<SalesforceProfile[]>;
  #profiles: Map<string, SalesforceProfile> | undefined;
  #roles: Map<string, NamedSet> | undefined;
  #permissionSets: Map<string, NamedSet> | undefined;
  #groups: Map<string, NamedSet> | undefined;
  /**
   * Names still unknown right after a reload, with when to look again: without it, every batch that
   * names a profile the org lacks would re-read the whole list (one API call each time).
   */
  readonly #unknown = new Map<string, number>();
  readonly #now: () => number;
  /** Loads under way: calls that run at once share one read instead of each making its own. */
  readonly #loading = new Map<string, Promise<unknown>>();

  constructor(deps: {
    query: (soql: string) => Promise<Rec[]>;
    /** Lists the profiles and hands them to `rememberProfiles`. */
    listProfiles: () => Promise<SalesforceProfile[]>;
    now?: () => number;
  }) {
    this.#query = deps.query;
    this.#listProfiles = deps.listProfiles;
    this.#now = deps.now ?? Date.now;
  }

  /** How long a name found missing after a reload is believed missing. */
  static readonly UNKNOWN_TTL_MS = 5 * 60_000;

  /** Whether a name absent from `list` is worth a reload (not one already found missing lately). */
  #worthReload(kind: string, list: Map<string, unknown> | undefined, names: readonly string[]): boolean {
    if (!list) return true;
    const now = this.#now();
    return names.some((n) => {
      const key = n.toLowerCase();
      if (list.has(key)) return false;
      const until = this.#unknown.get(`${kind}:${key}`);
      return until === undefined || until <= now;
    });
  }

  #rememberUnknown(kind: string, list: Map<string, unknown>, names: readonly string[]): void {
    const until = this.#now() + NameLists.UNKNOWN_TTL_MS;
    for (const n of names) if (!list.has(n.toLowerCase())) this.#unknown.set(`${kind}:${n.toLowerCase()}`, until);
  }

  /** Runs `load` unless the same load is under way, in which case its result is awaited instead. */
  #once<T>(key: string, load: () => Promise<T>): Promise<T> {
    const running = this.#loading.get(key) as Promise<T> | undefined;
    if (running) return running;
    const started = load().finally(() => this.#loading.delete(key));
    this.#loading.set(key, started);
    return started;
  }

  /** Keeps the profile list the gateway just read. */
  rememberProfiles(profiles: readonly SalesforceProfile[]): void {
    this.#profiles = new Map(profiles.map((p) => [p.name.toLowerCase(), p]));
  }

  /**
   * Roles by lower-cased DeveloperName and Name (a role rule may give either; a Name equal to
   * another role's DeveloperName wins): one SOQL query, cached like the profiles.
   */
  #loadRoles(): Promise<Map<string, NamedSet>> {
    return this.#once('roles', async () => {
      const rows = await this.#query('SELECT Id, Name, DeveloperName FROM UserRole');
      const roles = new Map<string, NamedSet>();
      for (const r of rows) {
        if (typeof r['DeveloperName'] === 'string')
          roles.set(r['DeveloperName'].toLowerCase(), { id: String(r['Id']), name: String(r['Name']) });
      }
      for (const r of rows)
        roles.set(String(r['Name']).toLowerCase(), { id: String(r['Id']), name: String(r['Name']) });
      this.#roles = roles;
      return this.#roles;
    });
  }

  /** Assignable (not profile-owned) permission sets by lower-cased name: one query, cached. */
  async permissionSets(refresh: boolean): Promise<Map<string, NamedSet>> {
    if (this.#permissionSets && !refresh) return this.#permissionSets;
    return this.#once('permissionSets', async () => {
      const rows = await this.#query('SELECT Id, Name FROM PermissionSet WHERE IsOwnedByProfile = false');
      this.#permissionSets = new Map(
        rows.map((r) => [String(r['Name']).toLowerCase(), { id: String(r['Id']), name: String(r['Name']) }]),
      );
      return this.#permissionSets;
    });
  }

  /**
   * Public groups and queues by `type:lower-cased DeveloperName` (type `publicGroup` or `queue`):
   * one query, cached like the permission sets.
   */
  async groups(refresh: boolean): Promise<Map<string, NamedSet>> {
    if (this.#groups && !refresh) return this.#groups;
    return this.#once('groups', async () => {
      const rows = await this.#query("SELECT Id, DeveloperName, Type FROM Group WHERE Type IN ('Regular', 'Queue')");
      this.#groups = new Map(
        rows.map((r) => {
          const type = r['Type'] === 'Queue' ? 'queue' : 'publicGroup';
          const name = String(r['DeveloperName']);
          return [`${type}:${name.toLowerCase()}`, { id: String(r['Id']), name }];
        }),
      );
      return this.#groups;
    });
  }

  /** Catalogues read by DeveloperName (permission set groups, permission set licences), by kind. */
  readonly #catalogues = new Map<string, Map<string, NamedSet>>();

  /** Rows of `soql` by lower-cased DeveloperName, each with its other fields: one query, cached. */
  async #byDeveloperName(kind: string, soql: string, refresh: boolean): Promise<Map<string, NamedSet>> {
    const cached = this.#catalogues.get(kind);
    if (cached && !refresh) return cached;
    return this.#once(kind, async () => {
      const rows = await this.#query(soql);
      const list = new Map(
        rows.map((r) => {
          const name = String(r['DeveloperName']);
          return [name.toLowerCase(), { id: String(r['Id']), name, fields: r }] as const;
        }),
      );
      this.#catalogues.set(kind, list);
      return list;
    });
  }

  /** Permission set groups by lower-cased DeveloperName, with their Status: one query, cached. */
  permissionSetGroups(refresh: boolean): Promise<Map<string, NamedSet>> {
    return this.#byDeveloperName(
      'permissionSetGroups',
      'SELECT Id, DeveloperName, Status FROM PermissionSetGroup',
      refresh,
    );
  }

  /** Permission set licences by lower-cased DeveloperName, with MasterLabel, TotalLicenses and UsedLicenses. */
  permissionSetLicenses(refresh: boolean): Promise<Map<string, NamedSet>> {
    return this.#byDeveloperName(
      'permissionSetLicenses',
      'SELECT Id, DeveloperName, MasterLabel, TotalLicenses, UsedLicenses FROM PermissionSetLicense',
      refresh,
    );
  }

  /** Drops a cached catalogue read by DeveloperName (one of its records turned out to be deleted). */
  forgetCatalogue(kind: 'permissionSetGroups' | 'permissionSetLicenses'): void {
    this.#catalogues.delete(kind);
  }

  /** Drops the cached groups (one turned out to be deleted). */
  forgetGroups(): void {
    this.#groups = undefined;
  }

  /** Drops the cached permission sets (one turned out to be deleted). */
  forgetPermissionSets(): void {
    this.#permissionSets = undefined;
  }

  /**
   * Replaces ProfileName with ProfileId and UserRoleName with UserRoleId (null clears the role), from
   * lists cached and reloaded once when a name is unknown; an unknown name fails that record before
   * any write.
   */
  async resolveUserNames(records: readonly SalesforceUserInput[]): Promise<(Rec | SalesforceError)[]> {
    const names = records.map((r) => r.ProfileName).filter((n): n is string => typeof n === 'string');
    if (names.length > 0 && this.#worthReload('profile', this.#profiles, names)) {
      await this.#once('profiles', () => this.#listProfiles());
      if (this.#profiles) this.#rememberUnknown('profile', this.#profiles, names);
    }
    const roles = records.map((r) => r.UserRoleName).filter((n): n is string => typeof n === 'string' && n !== '');
    if (roles.length > 0 && this.#worthReload('role', this.#roles, roles)) {
      const loaded = await this.#loadRoles();
      this.#rememberUnknown('role', loaded, roles);
    }
    return records.map((record) => {
      const { ProfileName, UserRoleName, ...rest } = record;
      const out: Rec = { ...rest };
      if (ProfileName !== undefined) {
        const profile = this.#profiles!.get(String(ProfileName).toLowerCase());
        if (!profile) {
          return salesforceError('SalesforceUnknownProfile', `No profile named '${ProfileName}' in the org`, [
            'ProfileName',
          ]);
        }
        out['ProfileId'] = profile.id;
      }
      if (UserRoleName === null || UserRoleName === '') out['UserRoleId'] = null;
      else if (UserRoleName !== undefined) {
        const role = this.#roles!.get(String(UserRoleName).toLowerCase());
        if (!role) {
          return salesforceError('SalesforceUnknownRole', `No role named '${UserRoleName}' in the org`, [
            'UserRoleName',
          ]);
        }
        out['UserRoleId'] = role.id;
      }
      return out;
    });
  }

  /** A cached profile or role that Salesforce no longer has (deleted since): reload the list next time. */
  forgetStale(results: readonly WriteResult[]): void {
    for (const r of results) {
      if (r.ok || r.error.salesforceCode !== 'INVALID_CROSS_REFERENCE_KEY') continue;
      if (r.error.fields.includes('ProfileId')) this.#profiles = undefined;
      if (r.error.fields.includes('UserRoleId')) this.#roles = undefined;
    }
  }
}
