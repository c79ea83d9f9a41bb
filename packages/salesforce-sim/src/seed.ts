import { createPublicKey, randomBytes } from 'node:crypto';
import { addGroupMember } from './group-members.ts';
import { addRow, junction } from './junction.ts';
import { type ConnectedApp, newSecurityToken, Org, type OrgSettings, type Registry, type Row } from './org.ts';
import {
  type CustomFieldSpec,
  GROUP,
  PERMISSION_SET,
  PERMISSION_SET_ASSIGNMENT,
  PROFILE,
  USER_LICENSE,
  USER_ROLE,
} from './schema.ts';
import { type EntitlementSeed, seedEntitlements } from './seed-entitlements.ts';
import { createSigningMaterial } from './tls.ts';
import { FEATURE_LICENCES } from './user-rules.ts';
import { createUser, normalizeRecord } from './users.ts';

/** Permission flags a profile or permission set can hold (the `Permissions` prefix left off). */
export interface PermissionFlags {
  ApiEnabled?: boolean;
  ManageUsers?: boolean;
  ManageInternalUsers?: boolean;
  ViewSetup?: boolean;
  ViewAllData?: boolean;
  ModifyAllData?: boolean;
}

/** A seed user: User fields, with `ProfileName`/`RoleName` instead of ids if preferred. */
export type UserSeed = Record<string, unknown> & {
  ProfileName?: string;
  RoleName?: string;
  permissionSets?: string[];
  /** DeveloperNames of the public groups and queues the user is a direct member of. */
  groups?: string[];
  password?: string;
  securityToken?: string;
};

/** What an org is seeded from: the `--org` file and `POST /__admin/orgs` take this shape. */
export interface OrgSeed {
  name?: string;
  /** Developer, Professional, Enterprise, Unlimited or Performance; decides the default API allocation. */
  edition?: string;
  sandbox?: boolean;
  apiEnabled?: boolean;
  settings?: Partial<OrgSettings>;
  /** Custom fields the org's admin added in Setup, by object (only User is modelled). */
  customFields?: { User?: CustomFieldSpec[] };
  licences?: { name: string; total: number; key?: string }[];
  /** Feature licences the org bought: `UserPermissions*` field → total (a feature not listed is not limited). */
  featureLicences?: Record<string, number>;
  profiles?: { name: string; licence: string; userType?: string; permissions?: PermissionFlags }[];
  roles?: { name: string; parent?: string }[];
  permissionSets?: { name: string; label?: string; permissions?: PermissionFlags }[];
  /**
   * Public groups (`Regular`) and queues (`Queue`), by DeveloperName. Absent: two of each
   * (Sales_Team, Marketing_Team; Leads_Queue, Support_Tier_1).
   */
  groups?: { developerName: string; name?: string; type: 'Regular' | 'Queue' }[];
  /**
   * Permission set licences, the permission sets that need one, and permission set groups
   * (seed-entitlements.ts). All absent: SalesConsoleUser ×3 and IdentityConnect ×1,
   * Sales_Console_Access needing SalesConsoleUser, and the groups Sales_Operations, Console_Agents
   * (needs SalesConsoleUser) and Service_Agents (Outdated).
   */
  permissionSetLicenses?: EntitlementSeed['permissionSetLicenses'];
  permissionSetGroups?: EntitlementSeed['permissionSetGroups'];
  licensedPermissionSets?: EntitlementSeed['licensedPermissionSets'];
  admin?: { username?: string; password?: string; securityToken?: string; profile?: string };
  users?: UserSeed[];
  connectedApp?: {
    clientId?: string;
    clientSecret?: string;
    certificate?: string;
    privateKey?: string;
    runAs?: string;
  };
}

/** The admin credentials and connected-app material of a seeded org. */
export interface OrgCredentials {
  orgId: string;
  username: string;
  password: string;
  securityToken: string;
  userId: string;
  clientId: string;
  clientSecret: string;
  /** PEM private key matching the connected app's certificate, for signing JWT bearer assertions. */
  privateKey: string | undefined;
  certificate: string;
}

const STANDARD_LICENCES = [
  { name: 'Salesforce', key: 'SFDC', total: 100 },
  { name: 'Salesforce Platform', key: 'AUL', total: 50 },
  { name: 'Chatter Free', key: 'PID_Chatter', total: 5000 },
  { name: 'Chatter External', key: 'PID_Chatter_External', total: 500 },
  { name: 'Identity', key: 'PID_Identity', total: 100 },
];

const ADMIN: PermissionFlags = {
  ApiEnabled: true,
  ManageUsers: true,
  ManageInternalUsers: true,
  ViewSetup: true,
  ViewAllData: true,
  ModifyAllData: true,
};

/** The standard profiles of an Enterprise Edition org, with the licence each consumes. */
const STANDARD_PROFILES: NonNullable<OrgSeed['profiles']> = [
  { name: 'System Administrator', licence: 'Salesforce', permissions: ADMIN },
  { name: 'Standard User', licence: 'Salesforce', permissions: { ApiEnabled: true } },
  { name: 'Read Only', licence: 'Salesforce', permissions: { ApiEnabled: true } },
  { name: 'Marketing User', licence: 'Salesforce', permissions: { ApiEnabled: true } },
  { name: 'Contract Manager', licence: 'Salesforce', permissions: { ApiEnabled: true } },
  { name: 'Solution Manager', licence: 'Salesforce', permissions: { ApiEnabled: true } },
  { name: 'Minimum Access - Salesforce', licence: 'Salesforce', permissions: {} },
  { name: 'Standard Platform User', licence: 'Salesforce Platform', permissions: { ApiEnabled: true } },
  { name: 'Chatter Free User', licence: 'Chatter Free', userType: 'CsnOnly', permissions: { ApiEnabled: true } },
  { name: 'Chatter Moderator User', licence: 'Chatter Free', userType: 'CsnOnly', permissions: { ApiEnabled: true } },
  { name: 'Chatter External User', licence: 'Chatter External', userType: 'CsnOnly', permissions: {} },
  { name: 'Identity User', licence: 'Identity', permissions: {} },
];

function defaultSettings(edition: string, sandbox: boolean, salesforceLicences: number): OrgSettings {
  const perLicence = /unlimited|performance/i.test(edition) ? 5000 : 1000;
  const apiDailyLimit = sandbox
    ? 5_000_000
    : /developer/i.test(edition)
      ? 15_000
      : 100_000 + salesforceLicences * perLicence;
  return {
    apiDailyLimit,
    sessionSeconds: 7200,
    concurrentLongRunningLimit: /developer|trial/i.test(edition) ? 5 : 25,
    longRunningThresholdMs: 20_000,
    queryBatchSize: 2000,
  };
}

function permissionFields(flags: PermissionFlags = {}): Row {
  return {
    PermissionsApiEnabled: flags.ApiEnabled === true,
    PermissionsManageUsers: flags.ManageUsers === true,
    PermissionsManageInternalUsers: flags.ManageInternalUsers === true || flags.ManageUsers === true,
    PermissionsViewSetup: flags.ViewSetup === true || flags.ManageUsers === true,
    PermissionsViewAllData: flags.ViewAllData === true,
    PermissionsModifyAllData: flags.ModifyAllData === true,
  };
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'org'
  );
}

/** Seeds one org into the registry and returns its admin credentials. Throws with a reason on a bad seed. */
export async function seedOrg(registry: Registry, seed: OrgSeed = {}): Promise<OrgCredentials> {
  const edition = seed.edition ?? 'Enterprise';
  const sandbox = seed.sandbox ?? false;
  const licenceSeeds = seed.licences ?? STANDARD_LICENCES;
  const salesforceTotal = licenceSeeds.find((l) => l.name === 'Salesforce')?.total ?? 0;
  const org = new Org({
    name: seed.name ?? 'Provision Sandbox',
    edition,
    isSandbox: sandbox,
    settings: { ...defaultSettings(edition, sandbox, salesforceTotal), ...seed.settings },
    customUserFields: seed.customFields?.User ?? [],
  });
  org.apiEnabled = seed.apiEnabled ?? true;
  for (const [field, total] of Object.entries(seed.featureLicences ?? {})) {
    if (!Object.hasOwn(FEATURE_LICENCES, field))
      throw new Error(
        `featureLicences: no feature licence '${field}' (expected ${Object.keys(FEATURE_LICENCES).join(', ')})`,
      );
    if (!Number.isInteger(total) || total < 0) throw new Error(`featureLicences.${field} must be an integer ≥ 0`);
    org.featureLicences.set(field, total);
  }
  const stamp = new Date().toISOString().replace('Z', '+0000');
  const audit = { CreatedDate: stamp, LastModifiedDate: stamp, SystemModstamp: stamp };
  const licenceByName = new Map<string, string>();
  for (const l of licenceSeeds) {
    const Id = org.ids.next(USER_LICENSE.keyPrefix);
    org.licences.set(Id, {
      Id,
      Name: l.name,
      MasterLabel: l.name,
      LicenseDefinitionKey: l.key ?? l.name.replace(/\W+/g, '_').toUpperCase(),
      Status: 'Active',
      TotalLicenses: l.total,
      UsedLicenses: 0,
      ...audit,
    } as never);
    licenceByName.set(l.name.toLowerCase(), Id);
  }
  for (const p of seed.profiles ?? STANDARD_PROFILES) {
    const licenceId = licenceByName.get(p.licence.toLowerCase());
    if (!licenceId) throw new Error(`profile '${p.name}' names an unknown licence '${p.licence}'`);
    const Id = org.ids.next(PROFILE.keyPrefix);
    const row: Row = {
      Id,
      Name: p.name,
      UserLicenseId: licenceId,
      UserType: p.userType ?? 'Standard',
      ...permissionFields(p.permissions),
      ...audit,
    };
    org.profiles.set(Id, row);
    org.profilesByName.set(p.name.toLowerCase(), row);
    // Every profile owns a permission set carrying its permissions, as in Salesforce.
    const psId = org.ids.next(PERMISSION_SET.keyPrefix);
    org.permissionSets.set(psId, {
      Id: psId,
      Name: `X${Id.slice(0, 15)}`,
      Label: `${p.name} profile permission set`,
      IsOwnedByProfile: true,
      ProfileId: Id,
      ...permissionFields(p.permissions),
      ...audit,
    });
  }
  const roleByName = new Map<string, string>();
  for (const r of seed.roles ?? [
    { name: 'CEO' },
    { name: 'Sales Manager', parent: 'CEO' },
    { name: 'Sales Rep', parent: 'Sales Manager' },
  ]) {
    const Id = org.ids.next(USER_ROLE.keyPrefix);
    const parent = r.parent ? roleByName.get(r.parent.toLowerCase()) : undefined;
    org.roles.set(Id, {
      Id,
      Name: r.name,
      DeveloperName: r.name.replace(/\W+/g, '_'),
      ParentRoleId: parent ?? null,
      LastModifiedDate: stamp,
      SystemModstamp: stamp,
    });
    roleByName.set(r.name.toLowerCase(), Id);
  }
  const permsetByName = new Map<string, string>();
  for (const ps of seed.permissionSets ?? [
    {
      name: 'Provisioning_Integration',
      label: 'Provisioning Integration',
      permissions: { ApiEnabled: true, ManageUsers: true },
    },
  ]) {
    const Id = org.ids.next(PERMISSION_SET.keyPrefix);
    org.permissionSets.set(Id, {
      Id,
      Name: ps.name,
      Label: ps.label ?? ps.name,
      IsOwnedByProfile: false,
      ProfileId: null,
      ...permissionFields(ps.permissions),
      ...audit,
    });
    permsetByName.set(ps.name.toLowerCase(), Id);
  }
  seedEntitlements(org, seed, audit);
  for (const g of seed.groups ?? DEFAULT_GROUPS) {
    const Id = org.ids.next(GROUP.keyPrefix);
    org.groups.set(Id, {
      Id,
      Name: g.name ?? g.developerName.replace(/_/g, ' '),
      DeveloperName: g.developerName,
      Type: g.type,
      ...audit,
    });
  }
  registry.orgs.set(org.id, org);

  const orgSlug = `${slug(org.name)}-${randomBytes(3).toString('hex')}`;
  const admin = seed.admin ?? {};
  const adminPassword = admin.password ?? `Sim-${randomBytes(6).toString('hex')}`;
  const adminToken = admin.securityToken ?? newSecurityToken();
  const adminId = addUser(registry, org, roleByName, permsetByName, {
    Username: admin.username ?? `admin@${orgSlug}.example.com`,
    FirstName: 'Integration',
    LastName: 'Admin',
    Email: `admin@${orgSlug}.example.com`,
    Alias: 'iadmin',
    TimeZoneSidKey: 'America/Los_Angeles',
    LocaleSidKey: 'en_US',
    EmailEncodingKey: 'UTF-8',
    LanguageLocaleKey: 'en_US',
    ProfileName: admin.profile ?? 'System Administrator',
    password: adminPassword,
    securityToken: adminToken,
  });
  org.adminUserId = adminId;
  for (const u of seed.users ?? []) addUser(registry, org, roleByName, permsetByName, u);

  const appSeed = seed.connectedApp ?? {};
  let certificate = appSeed.certificate;
  let privateKey = appSeed.privateKey;
  if (!certificate) {
    const material = await createSigningMaterial(`${orgSlug} connected app`);
    certificate = material.certificate;
    privateKey = material.privateKey;
  }
  try {
    createPublicKey(certificate);
  } catch (error) {
    throw new Error(`connectedApp.certificate is not a PEM certificate or public key: ${(error as Error).message}`);
  }
  const runAs = appSeed.runAs ? registry.usernames.get(appSeed.runAs.toLowerCase()) : undefined;
  if (appSeed.runAs && runAs?.org !== org)
    throw new Error(`connectedApp.runAs '${appSeed.runAs}' is not a user of this org`);
  const app: ConnectedApp = {
    clientId: appSeed.clientId ?? `3MVG9${randomBytes(30).toString('base64url')}`,
    clientSecret: appSeed.clientSecret ?? randomBytes(32).toString('hex').toUpperCase(),
    certificate,
    runAsUserId: runAs?.userId ?? adminId,
  };
  org.apps.set(app.clientId, app);
  registry.apps.set(app.clientId, { org, app });

  return {
    orgId: org.id,
    username: org.users.get(adminId)!['Username'] as string,
    password: adminPassword,
    securityToken: adminToken,
    userId: adminId,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    privateKey,
    certificate,
  };
}

const DEFAULT_GROUPS: NonNullable<OrgSeed['groups']> = [
  { developerName: 'Sales_Team', type: 'Regular' },
  { developerName: 'Marketing_Team', type: 'Regular' },
  { developerName: 'Leads_Queue', type: 'Queue' },
  { developerName: 'Support_Tier_1', type: 'Queue' },
];

/** Adds a seed user through the same rules as the API (licences, uniqueness); throws with the reason. */
export function addUser(
  registry: Registry,
  org: Org,
  roleByName: ReadonlyMap<string, string>,
  permsetByName: ReadonlyMap<string, string>,
  seed: UserSeed,
): string {
  const { ProfileName, RoleName, permissionSets, groups, password, securityToken, ...fields } = seed;
  const values = normalizeRecord(org.userObject, fields);
  if (ProfileName !== undefined) {
    const profile = org.profilesByName.get(ProfileName.toLowerCase());
    if (!profile) throw new Error(`user '${String(fields['Username'])}' names an unknown profile '${ProfileName}'`);
    values['ProfileId'] = profile['Id'];
  }
  if (RoleName !== undefined) {
    const role = roleByName.get(RoleName.toLowerCase());
    if (!role) throw new Error(`user '${String(fields['Username'])}' names an unknown role '${RoleName}'`);
    values['UserRoleId'] = role;
  }
  const outcome = createUser(registry, org, values, org.adminUserId);
  if (!outcome.ok) {
    throw new Error(
      `user '${String(fields['Username'])}' refused: ${outcome.errors.map((e) => `${e.statusCode}: ${e.message}`).join('; ')}`,
    );
  }
  if (password !== undefined) {
    org.credentials.set(outcome.id, { password, securityToken: securityToken ?? newSecurityToken() });
  }
  for (const name of permissionSets ?? []) {
    const psId = permsetByName.get(name.toLowerCase());
    if (!psId) throw new Error(`user '${String(fields['Username'])}' names an unknown permission set '${name}'`);
    assignPermissionSet(org, outcome.id, psId);
  }
  for (const name of groups ?? []) {
    const group = [...org.groups.values()].find((g) => String(g['DeveloperName']).toLowerCase() === name.toLowerCase());
    if (!group) throw new Error(`user '${String(fields['Username'])}' names an unknown group or queue '${name}'`);
    addGroupMember(org, outcome.id, group['Id'] as string);
  }
  return outcome.id;
}

/** Assigns a permission set to a user. */
export function assignPermissionSet(org: Org, userId: string, permissionSetId: string): string {
  return addRow(org, junction(org, PERMISSION_SET_ASSIGNMENT.keyPrefix), {
    AssigneeId: userId,
    PermissionSetId: permissionSetId,
    PermissionSetGroupId: null,
  });
}

/** Assigns a permission set group to a user (PermissionSetId left null: the group's sets come with it). */
export function assignPermissionSetGroup(org: Org, userId: string, groupId: string): string {
  return addRow(org, junction(org, PERMISSION_SET_ASSIGNMENT.keyPrefix), {
    AssigneeId: userId,
    PermissionSetId: null,
    PermissionSetGroupId: groupId,
  });
}

/** Whether a user holds a permission through the profile or an assigned permission set. */
export function userHasPermission(org: Org, userId: string, permission: string): boolean {
  const user = org.users.get(userId);
  if (!user) return false;
  if (org.profiles.get(user['ProfileId'] as string)?.[permission] === true) return true;
  for (const a of org.assignmentsByUser.get(userId) ?? []) {
    const row = org.assignments.get(a);
    const psId = row?.['PermissionSetId'] as string | undefined;
    if (psId && org.permissionSets.get(psId)?.[permission] === true) return true;
    // A permission set group grants what its permission sets grant.
    const group = org.permissionSetGroups.get(row?.['PermissionSetGroupId'] as string);
    const components = (group?.['_components'] as string[] | undefined) ?? [];
    if (components.some((id) => org.permissionSets.get(id)?.[permission] === true)) return true;
  }
  return false;
}
