import type { ModifiedProperty, ProvisioningCommandV1 } from '@provision/events';

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
