import type { ProvisioningCommandV1 } from '@provision/events';
import {
  groupKey,
  isFeatureLicense,
  type MappingConfig,
  namedFeatureLicenses,
  namedGroups,
  namedNames,
} from '@provision/mapping';

/**
 * What the active mapping can ask of Salesforce. A command is trusted only as far as the mapping
 * that should have produced it: whoever can publish to the commands topic must not be able to grant
 * a permission no mapping grants (`UserPermissionsModifyAllData`, a `ProfileId`, a permission set, a
 * public group or queue).
 */
export interface CommandPolicy {
  /** Salesforce fields (and pseudo-fields such as `ProfileName`) a command may set. */
  readonly fields: ReadonlySet<string>;
  /** `UserRoleName` values the role rules can give. */
  readonly roles: ReadonlySet<string>;
  /** Permission sets the rules can grant. */
  readonly permissionSets: ReadonlySet<string>;
  /** Public groups and queues the rules name, as `publicGroup:Name` / `queue:Name`. */
  readonly groups: ReadonlySet<string>;
  /** Permission set groups and permission set licences the rules grant (DeveloperNames). */
  readonly permissionSetGroups?: ReadonlySet<string>;
  readonly permissionSetLicenses?: ReadonlySet<string>;
  /** Fields the mapping matches existing users on. */
  readonly matchingAttributes: ReadonlySet<string>;
  /** Feature licence fields the featureLicenseRules can tick. */
  readonly featureLicenses?: ReadonlySet<string>;
}

/** Fields the lifecycle sets whatever the mapping: disable, freeze, reactivate. */
const LIFECYCLE_FIELDS = ['IsActive', 'IsFrozen'] as const;

/** The policy of a mapping configuration: its targets, role and permission-set rules, matching fields. */
export function commandPolicy(mapping: MappingConfig): CommandPolicy {
  return {
    // The durable link field: the mapper writes the Entra object id there on every create and match.
    fields: new Set([
      ...mapping.mappings.map((m) => m.target),
      ...LIFECYCLE_FIELDS,
      ...(mapping.link ? [mapping.link.field] : []),
    ]),
    roles: new Set(mapping.roleRules.map((r) => r.role)),
    permissionSets: new Set(mapping.permissionSetRules.flatMap((r) => r.permissionSets)),
    groups: new Set(namedGroups(mapping).map(groupKey)),
    permissionSetGroups: new Set(namedNames(mapping, 'permissionSetGroups')),
    permissionSetLicenses: new Set(namedNames(mapping, 'permissionSetLicenses')),
    matchingAttributes: new Set(
      mapping.mappings.filter((m) => m.matchingPrecedence !== undefined).map((m) => m.target),
    ),
    featureLicenses: new Set(namedFeatureLicenses(mapping)),
  };
}

type Command = Pick<
  ProvisioningCommandV1,
  'fields' | 'matching' | 'permissionSets' | 'groupMemberships' | 'permissionSetGroups' | 'permissionSetLicenses'
> & {
  readonly createFields?: ProvisioningCommandV1['fields'] | undefined;
};

/**
 * Why the writer refuses a command, or undefined when the mapping could have produced it. Field
 * names are compared exactly, as the mapper writes them.
 */
export function commandRefusal(command: Command, policy: CommandPolicy): string | undefined {
  const problems: string[] = [];
  const fields = { ...command.createFields, ...command.fields };
  const foreign = Object.keys(fields).filter(
    (name) => !policy.fields.has(name) && name !== 'UserRoleName' && !licenceAllowed(name, fields[name], policy),
  );
  if (foreign.length > 0) problems.push(`sets ${list(foreign)}, which no mapping targets`);
  // A role rule removed since may leave a role to clear: null is always allowed.
  for (const value of [command.fields['UserRoleName'], command.createFields?.['UserRoleName']]) {
    if (value !== undefined && value !== null && !policy.roles.has(String(value))) {
      problems.push(`gives the role "${String(value)}", which no role rule gives`);
      break;
    }
  }
  const sets = command.permissionSets.add.filter((name) => !policy.permissionSets.has(name));
  if (sets.length > 0)
    problems.push(`grants the permission set${sets.length > 1 ? 's' : ''} ${list(sets)}, which no rule grants`);
  // Joins only, as for permission sets: a rule removed since leaves memberships Provision granted to take away.
  const groups = (command.groupMemberships?.add ?? [])
    .filter((g) => !policy.groups.has(groupKey(g)))
    .map((g) => `${g.type === 'queue' ? 'queue' : 'public group'} ${g.name}`);
  if (groups.length > 0) problems.push(`joins the ${list([...new Set(groups)])}, which no group membership rule names`);
  // Additions only, as above: what a removed rule granted is still Provision's to take away.
  for (const [field, label] of [
    ['permissionSetGroups', 'permission set group'],
    ['permissionSetLicenses', 'permission set licence'],
  ] as const) {
    const names = (command[field]?.add ?? []).filter((name) => !policy[field]?.has(name));
    if (names.length > 0)
      problems.push(`grants the ${label}${names.length > 1 ? 's' : ''} ${list(names)}, which no rule grants`);
  }
  if (command.matching && !policy.matchingAttributes.has(command.matching.attribute)) {
    problems.push(`matches on ${command.matching.attribute}, which is not a matching attribute of the mapping`);
  }
  return problems.length === 0 ? undefined : `The command ${problems.join('; ')}`;
}

/**
 * A feature licence a rule names may be ticked; any feature licence may be unticked, as a rule
 * removed since may leave a licence Provision ticked to take away.
 */
function licenceAllowed(name: string, value: unknown, policy: CommandPolicy): boolean {
  if (!isFeatureLicense(name)) return false;
  return value === false || policy.featureLicenses?.has(name) === true;
}

const list = (names: readonly string[]) =>
  names
    .slice(0, 10)
    .map((n) => JSON.stringify(n.slice(0, 80)))
    .join(', ') + (names.length > 10 ? ` and ${names.length - 10} more` : '');
