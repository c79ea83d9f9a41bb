import type { MappingConfig } from './config/schema.ts';
import type { CurrentSalesforceUser, GroupMembershipChanges, GroupRef, GroupType } from './types.ts';

/** The CurrentSalesforceUser pseudo-field that lists the user's groups of one type. */
export const GROUP_FIELDS: Readonly<Record<GroupType, 'PublicGroups' | 'Queues'>> = {
  publicGroup: 'PublicGroups',
  queue: 'Queues',
};

/** A stable key for a group: its type and DeveloperName. */
export function groupKey(ref: GroupRef): string {
  return `${ref.type}:${ref.name}`;
}

/** Distinct groups, public groups first, each type sorted by name. */
export function groupRefs(refs: Iterable<GroupRef>): GroupRef[] {
  const byKey = new Map<string, GroupRef>();
  for (const r of refs) byKey.set(groupKey(r), { type: r.type, name: r.name });
  return [...byKey.values()].sort((a, b) =>
    a.type === b.type ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.type === 'publicGroup' ? -1 : 1,
  );
}

/** Every public group and queue the mapping's rules name (Provision's to manage). */
export function namedGroups(config: MappingConfig): GroupRef[] {
  return groupRefs(
    config.groupMembershipRules.flatMap((r) => [
      ...r.publicGroups.map((name): GroupRef => ({ type: 'publicGroup', name })),
      ...r.queues.map((name): GroupRef => ({ type: 'queue', name })),
    ]),
  );
}

/** The groups a Salesforce user is a member of, or undefined when the picture does not say. */
function heldGroups(current: CurrentSalesforceUser): GroupRef[] | undefined {
  if (current.PublicGroups === undefined && current.Queues === undefined) return undefined;
  return [
    ...(current.PublicGroups ?? []).map((name): GroupRef => ({ type: 'publicGroup', name })),
    ...(current.Queues ?? []).map((name): GroupRef => ({ type: 'queue', name })),
  ];
}

/**
 * Adds the groups the rules grant and Salesforce lacks. Removes the ones Provision granted and the
 * rules no longer grant; under `entitlementModes.groupMembership: authoritative`, also any other
 * membership of a group some rule names. A group no rule names is never removed.
 */
export function groupMembershipChanges(
  desired: readonly GroupRef[],
  current: CurrentSalesforceUser,
  granted: readonly GroupRef[],
  config: MappingConfig,
): GroupMembershipChanges {
  const held = heldGroups(current);
  const has = held === undefined ? undefined : new Set(held.map(groupKey));
  const want = new Set(desired.map(groupKey));
  const candidates = [...granted];
  if (config.entitlementModes.groupMembership === 'authoritative' && held !== undefined) {
    const named = new Set(namedGroups(config).map(groupKey));
    candidates.push(...held.filter((g) => named.has(groupKey(g))));
  }
  return {
    add: desired.filter((g) => !has?.has(groupKey(g))),
    remove: groupRefs(candidates).filter((g) => !want.has(groupKey(g)) && (has === undefined || has.has(groupKey(g)))),
  };
}

/**
 * The changes a command carries. Under `authoritative`, every named group the user should not hold
 * is to be removed whatever Provision believes the user holds: the writer reads the memberships and
 * removes the ones it finds, so a membership an admin added in Salesforce goes with the user's next
 * command. Under `merge`, the changes as decided.
 */
export function commandedGroupChanges(
  changes: GroupMembershipChanges,
  desired: readonly GroupRef[],
  config: MappingConfig,
): GroupMembershipChanges {
  if (config.entitlementModes.groupMembership !== 'authoritative') return changes;
  const want = new Set(desired.map(groupKey));
  return {
    add: changes.add,
    remove: groupRefs([...changes.remove, ...namedGroups(config).filter((g) => !want.has(groupKey(g)))]),
  };
}
