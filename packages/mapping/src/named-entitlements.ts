import type { MappingConfig } from './config/schema.ts';
import type { CurrentSalesforceUser, PermissionSetChanges } from './types.ts';

/**
 * The entitlement types granted by name from group rules: permission sets (PermissionSet.Name),
 * permission set groups and permission set licences (DeveloperNames).
 */
export const NAMED_ENTITLEMENTS = ['permissionSets', 'permissionSetGroups', 'permissionSetLicenses'] as const;
export type NamedEntitlement = (typeof NAMED_ENTITLEMENTS)[number];

/** The CurrentSalesforceUser pseudo-field that lists what the user holds of each type. */
export const NAMED_FIELDS = {
  permissionSets: 'PermissionSets',
  permissionSetGroups: 'PermissionSetGroups',
  permissionSetLicenses: 'PermissionSetLicenses',
} as const satisfies Record<NamedEntitlement, string>;

/** The names each rule of a type grants, with the rule's Entra group. */
function rulesOf(config: MappingConfig, kind: NamedEntitlement): { group: string; names: readonly string[] }[] {
  switch (kind) {
    case 'permissionSets':
      return config.permissionSetRules.map((r) => ({ group: r.group, names: r.permissionSets }));
    case 'permissionSetGroups':
      return config.permissionSetGroupRules.map((r) => ({ group: r.group, names: r.permissionSetGroups }));
    case 'permissionSetLicenses':
      return config.permissionSetLicenseRules.map((r) => ({ group: r.group, names: r.permissionSetLicenses }));
  }
}

/** What the rules grant a member of these Entra groups (distinct names, sorted). */
export function grantedNames(config: MappingConfig, kind: NamedEntitlement, memberOf: ReadonlySet<string>): string[] {
  return [
    ...new Set(
      rulesOf(config, kind)
        .filter((r) => memberOf.has(r.group))
        .flatMap((r) => r.names),
    ),
  ].sort();
}

/** Every name some rule of the type names (Provision's to manage under `authoritative`). */
export function namedNames(config: MappingConfig, kind: NamedEntitlement): string[] {
  return [...new Set(rulesOf(config, kind).flatMap((r) => r.names))].sort();
}

/** The entitlement mode of a type (`merge` when the configuration predates the type). */
function modeOf(config: MappingConfig, kind: NamedEntitlement): 'merge' | 'authoritative' {
  return config.entitlementModes[kind] ?? 'merge';
}

/**
 * Adds what the rules grant and Salesforce lacks. Removes what Provision granted and the rules no
 * longer grant; under `entitlementModes.<type>: authoritative`, also any other of the type some
 * rule names that the user holds but should not. A name no rule names is never removed.
 */
export function namedChanges(
  kind: NamedEntitlement,
  desired: readonly string[],
  current: CurrentSalesforceUser,
  granted: readonly string[],
  config: MappingConfig,
): PermissionSetChanges {
  const held = current[NAMED_FIELDS[kind]] as readonly string[] | undefined;
  const has = held === undefined ? undefined : new Set(held);
  const want = new Set(desired);
  const candidates = new Set(granted);
  if (modeOf(config, kind) === 'authoritative' && held !== undefined) {
    const named = new Set(namedNames(config, kind));
    for (const name of held) if (named.has(name)) candidates.add(name);
  }
  return {
    add: desired.filter((n) => !has?.has(n)),
    remove: [...candidates].filter((n) => !want.has(n) && (has === undefined || has.has(n))).sort(),
  };
}

/**
 * The changes a command carries. Under `authoritative`, every named entitlement of the type the user
 * should not hold is to be removed whatever Provision believes the user holds: the writer reads what
 * the user holds and removes what it finds, so one an admin assigned in Salesforce goes with the
 * user's next command. Under `merge`, the changes as decided.
 */
export function commandedNamedChanges(
  kind: NamedEntitlement,
  changes: PermissionSetChanges,
  desired: readonly string[],
  config: MappingConfig,
): PermissionSetChanges {
  if (modeOf(config, kind) !== 'authoritative') return changes;
  const want = new Set(desired);
  return {
    add: changes.add,
    remove: [...new Set([...changes.remove, ...namedNames(config, kind).filter((n) => !want.has(n))])].sort(),
  };
}
