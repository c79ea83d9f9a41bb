import type { ModifiedProperty, ProvisioningCommandV1 } from '@provision/events';

import type { GroupMemberships } from './ports.ts';

/** Whether a command asks for permission-set assignments to be added or removed. */
export function hasSetChanges(command: ProvisioningCommandV1): boolean {
  const sets = command.permissionSets;
  return sets !== undefined && sets.add.length + sets.remove.length > 0;
}

/** `PermissionSets` old → new for `modifiedProperties`, or nothing when the user's sets did not change. */
export function setsProperty(
  before: readonly string[] | undefined,
  after: readonly string[] | undefined,
): ModifiedProperty[] {
  if (before === undefined || after === undefined) return [];
  const same = before.length === after.length && before.every((name) => after.includes(name));
  return same ? [] : [{ name: 'PermissionSets', oldValue: [...before], newValue: [...after] }];
}

/** What a dry run of a new user shows: the sets it would be given. */
export function setsOfNewUser(command: ProvisioningCommandV1): ModifiedProperty[] {
  const add = [...new Set(command.permissionSets?.add ?? [])].sort();
  return setsProperty([], add);
}

/** Whether a command asks for public-group or queue memberships to be added or removed. */
export function hasGroupChanges(command: ProvisioningCommandV1): boolean {
  const groups = command.groupMemberships;
  return groups !== undefined && groups.add.length + groups.remove.length > 0;
}

/** The command fields of the types granted by DeveloperName besides permission sets. */
export type NamedField = 'permissionSetGroups' | 'permissionSetLicenses';

/** The property each named type shows in the provisioning log. */
export const NAMED_PROPERTIES = {
  permissionSetGroups: 'PermissionSetGroups',
  permissionSetLicenses: 'PermissionSetLicenses',
} as const satisfies Record<NamedField, string>;

/** Whether a command asks for permission set groups (or licences) to be added or removed. */
export function hasNamedChanges(command: ProvisioningCommandV1, field: NamedField): boolean {
  const changes = command[field];
  return changes !== undefined && changes.add.length + changes.remove.length > 0;
}

/** Whether the user's entitlements (permission sets and their groups and licences, groups, queues) are to change after the user is written. */
export function hasEntitlementChanges(command: ProvisioningCommandV1): boolean {
  return (
    hasSetChanges(command) ||
    hasGroupChanges(command) ||
    hasNamedChanges(command, 'permissionSetGroups') ||
    hasNamedChanges(command, 'permissionSetLicenses')
  );
}

/** `PermissionSetGroups` or `PermissionSetLicenses` old → new, or nothing when it did not change. */
export function namedProperty(
  field: NamedField,
  before: readonly string[] | undefined,
  after: readonly string[] | undefined,
): ModifiedProperty[] {
  if (before === undefined || after === undefined) return [];
  return listProperty(NAMED_PROPERTIES[field], before, after);
}

/** `PublicGroups` and `Queues` old → new for `modifiedProperties`, each only when it changed. */
export function groupsProperty(
  before: GroupMemberships | undefined,
  after: GroupMemberships | undefined,
): ModifiedProperty[] {
  if (before === undefined || after === undefined) return [];
  return [
    ...listProperty('PublicGroups', before.publicGroups, after.publicGroups),
    ...listProperty('Queues', before.queues, after.queues),
  ];
}

function listProperty(name: string, before: readonly string[], after: readonly string[]): ModifiedProperty[] {
  const same = before.length === after.length && before.every((n) => after.includes(n));
  return same ? [] : [{ name, oldValue: [...before], newValue: [...after] }];
}

/** What a dry run of a new user shows: the sets, groups and queues it would be given. */
export function entitlementsOfNewUser(command: ProvisioningCommandV1): ModifiedProperty[] {
  const add = command.groupMemberships?.add ?? [];
  const names = (type: 'publicGroup' | 'queue') =>
    [...new Set(add.filter((g) => g.type === type).map((g) => g.name))].sort();
  const named = (field: NamedField) => namedProperty(field, [], [...new Set(command[field]?.add ?? [])].sort());
  return [
    ...setsOfNewUser(command),
    ...named('permissionSetGroups'),
    ...named('permissionSetLicenses'),
    ...groupsProperty({ publicGroups: [], queues: [] }, { publicGroups: names('publicGroup'), queues: names('queue') }),
  ];
}
