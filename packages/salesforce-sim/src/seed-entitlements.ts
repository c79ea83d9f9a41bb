import { componentsOf } from './assignments.ts';
import type { Org, Row } from './org.ts';
import { assignLicence, licencesUsed } from './permission-set-licences.ts';
import { PERMISSION_SET, PERMISSION_SET_GROUP, PERMISSION_SET_LICENSE } from './schema.ts';
import { assignPermissionSetGroup } from './seed.ts';

/** A permission set licence to seed: DeveloperName, label, how many the org bought. */
export interface PermissionSetLicenseSeed {
  developerName: string;
  label?: string;
  total: number;
}

/** A permission set group to seed: DeveloperName, its permission sets (by Name), its Status. */
export interface PermissionSetGroupSeed {
  developerName: string;
  label?: string;
  permissionSets?: string[];
  /** Updated (the default) can be assigned; Outdated, Updating and Failed cannot. */
  status?: 'Updated' | 'Outdated' | 'Updating' | 'Failed';
}

/** What the seed says of licensed permission sets, licences and groups (see OrgSeed). */
export interface EntitlementSeed {
  permissionSetLicenses?: PermissionSetLicenseSeed[];
  permissionSetGroups?: PermissionSetGroupSeed[];
  /** Permission sets that need a licence: permission set Name → licence DeveloperName. */
  licensedPermissionSets?: Record<string, string>;
}

/**
 * Unless the seed names its own: two licences (SalesConsoleUser ×3, IdentityConnect ×1), the
 * permission set Sales_Console_Access that needs SalesConsoleUser, and three groups —
 * Sales_Operations (Updated, Sales_Reports), Console_Agents (Updated, Sales_Console_Access: needs
 * the licence) and Service_Agents (Outdated: recalculation pending, not assignable).
 */
const DEFAULTS: Required<EntitlementSeed> = {
  permissionSetLicenses: [
    { developerName: 'SalesConsoleUser', label: 'Sales Console User', total: 3 },
    { developerName: 'IdentityConnect', label: 'Identity Connect', total: 1 },
  ],
  permissionSetGroups: [
    { developerName: 'Sales_Operations', label: 'Sales Operations', permissionSets: ['Sales_Reports'] },
    { developerName: 'Console_Agents', label: 'Console Agents', permissionSets: ['Sales_Console_Access'] },
    { developerName: 'Service_Agents', label: 'Service Agents', permissionSets: [], status: 'Outdated' },
  ],
  licensedPermissionSets: { Sales_Console_Access: 'SalesConsoleUser' },
};

const byName = (rows: Iterable<Row>, field: string, name: string) =>
  [...rows].find((r) => String(r[field]).toLowerCase() === name.toLowerCase());

/**
 * Seeds permission set licences, the licences permission sets need, and permission set groups.
 * A default permission set the groups name that the seed lacks is created (Sales_Reports,
 * Sales_Console_Access). Throws with a reason on a bad seed.
 */
export function seedEntitlements(org: Org, seed: EntitlementSeed, audit: Row): void {
  const own = seed.permissionSetLicenses !== undefined || seed.permissionSetGroups !== undefined;
  const licences = seed.permissionSetLicenses ?? (own ? [] : DEFAULTS.permissionSetLicenses);
  const groups = seed.permissionSetGroups ?? (own ? [] : DEFAULTS.permissionSetGroups);
  const licensed = seed.licensedPermissionSets ?? (own ? {} : DEFAULTS.licensedPermissionSets);
  for (const l of licences) {
    if (!Number.isInteger(l.total) || l.total < 0) throw new Error(`licence '${l.developerName}': total must be ≥ 0`);
    const Id = org.ids.next(PERMISSION_SET_LICENSE.keyPrefix);
    org.permissionSetLicences.set(Id, {
      Id,
      DeveloperName: l.developerName,
      MasterLabel: l.label ?? l.developerName,
      PermissionSetLicenseKey: l.developerName.toUpperCase(),
      Status: 'Active',
      TotalLicenses: l.total,
      ExpirationDate: null,
      ...audit,
    });
  }
  const setId = (name: string): string => {
    const found = byName(org.permissionSets.values(), 'Name', name);
    if (found) return found['Id'] as string;
    if (own) throw new Error(`permission set group names an unknown permission set '${name}'`);
    const Id = org.ids.next(PERMISSION_SET.keyPrefix);
    org.permissionSets.set(Id, {
      Id,
      Name: name,
      Label: name.replace(/_/g, ' '),
      IsOwnedByProfile: false,
      ProfileId: null,
      LicenseId: null,
      ...audit,
    });
    return Id;
  };
  for (const [set, licence] of Object.entries(licensed)) {
    const row = org.permissionSets.get(setId(set))!;
    const l = byName(org.permissionSetLicences.values(), 'DeveloperName', licence);
    if (!l) throw new Error(`permission set '${set}' needs an unknown licence '${licence}'`);
    row['LicenseId'] = l['Id'];
  }
  for (const g of groups) {
    const Id = org.ids.next(PERMISSION_SET_GROUP.keyPrefix);
    org.permissionSetGroups.set(Id, {
      Id,
      DeveloperName: g.developerName,
      MasterLabel: g.label ?? g.developerName.replace(/_/g, ' '),
      Description: null,
      Status: g.status ?? 'Updated',
      _components: (g.permissionSets ?? []).map(setId),
      ...audit,
    });
  }
}

function find(org: Org, table: 'groups' | 'licences', developerName: string): Row {
  const rows = table === 'groups' ? org.permissionSetGroups.values() : org.permissionSetLicences.values();
  const row = byName(rows, 'DeveloperName', developerName);
  if (!row) throw new Error(`no permission set ${table === 'groups' ? 'group' : 'licence'} '${developerName}'`);
  return row;
}

/** Assigns a permission set group by DeveloperName, as an admin does in Setup (no checks). */
export function adminAssignGroup(org: Org, userId: string, developerName: string): string {
  return assignPermissionSetGroup(org, userId, find(org, 'groups', developerName)['Id'] as string);
}

/** Assigns a permission set licence by DeveloperName, as an admin does in Setup (no checks). */
export function adminAssignLicence(org: Org, userId: string, developerName: string): string {
  return assignLicence(org, userId, find(org, 'licences', developerName)['Id'] as string);
}

/** Sets a group's Status (Outdated while Salesforce recalculates it, Updated after). */
export function setGroupStatus(
  org: Org,
  developerName: string,
  status: NonNullable<PermissionSetGroupSeed['status']>,
): void {
  find(org, 'groups', developerName)['Status'] = status;
}

/** Sets how many of a licence the org has. */
export function setLicenceTotal(org: Org, developerName: string, total: number): void {
  find(org, 'licences', developerName)['TotalLicenses'] = total;
}

/** The DeveloperNames of the permission set groups a user is assigned, sorted. */
export function groupsAssigned(org: Org, userId: string): string[] {
  const names: string[] = [];
  for (const a of org.assignmentsByUser.get(userId) ?? []) {
    const group = org.permissionSetGroups.get(org.assignments.get(a)?.['PermissionSetGroupId'] as string);
    if (group) names.push(String(group['DeveloperName']));
  }
  return names.sort();
}

/** The DeveloperNames of the permission set licences a user holds, sorted. */
export function licencesAssigned(org: Org, userId: string): string[] {
  const names: string[] = [];
  for (const a of org.licenceAssignmentsByUser.get(userId) ?? []) {
    const l = org.permissionSetLicences.get(org.licenceAssignments.get(a)?.['PermissionSetLicenseId'] as string);
    if (l) names.push(String(l['DeveloperName']));
  }
  return names.sort();
}

/** Licences with their counts (the org summary). */
export function licenceCounts(org: Org): { developerName: string; total: number; used: number }[] {
  return [...org.permissionSetLicences.values()].map((l) => ({
    developerName: String(l['DeveloperName']),
    total: Number(l['TotalLicenses']),
    used: licencesUsed(org, l['Id'] as string),
  }));
}

export { componentsOf };
