import type { MappingConfig } from './config/schema.ts';
import { desiredState, matchingKey } from './desired-state.ts';
import { diffFields, modifiedProperties, sameValue } from './diff.ts';
import { isFeatureLicense, revokedFeatureLicenses } from './feature-licences.ts';
import { commandedGroupChanges, groupMembershipChanges } from './group-memberships.ts';
import { commandedNamedChanges, type NamedEntitlement, namedChanges } from './named-entitlements.ts';
import type {
  AppRoleAssignment,
  CurrentSalesforceUser,
  DecideOptions,
  Decision,
  DecisionAction,
  DesiredState,
  EntraUser,
  GroupMembershipChanges,
  MatchingKey,
  PermissionSetChanges,
  Reason,
  SalesforceFieldValue,
} from './types.ts';

/**
 * The whole provisioning decision for one user: what to do in Salesforce and why. Pure and
 * deterministic (given `options.expression` for `Now()`, `Guid()` and `RandomString()`).
 *
 * - in scope, not in Salesforce → `create` with every field (defaults applied);
 * - in scope, active → `update` with the changed fields only, or `skip` when nothing changed
 *   (fields applied on create only, and defaults, are never compared);
 * - in scope, deactivated (or frozen, under `deprovisioning: freeze` or `freezeThenDeactivate`) →
 *   `reactivate`, with the changed fields;
 * - out of scope (unassigned, Default Access only, filtered out, disabled or soft-deleted in Entra)
 *   and active → `disable` (IsActive = false, or IsFrozen = true with `deprovisioning: freeze`);
 *   under `freezeThenDeactivate`, `disable` with IsFrozen = true, then — still out of scope
 *   `deactivateAfterDays` after the freeze (`options.freeze`) — `disable` with IsActive = false;
 *   already inactive or never provisioned → `skip`; not known to Salesforce but possibly there
 *   (`options.mayExist`: a command's outcome is unknown) → `disable`, which the writer resolves by
 *   link or matching attribute;
 * - two distinct roles → under `multipleRoles.policy: conflict` (the default, Entra's) `skip` with a
 *   `role-conflict` error: the user is left as is until an admin fixes the assignments (disabling
 *   someone for an admin's mistake would lock them out); under `precedence` the first listed role
 *   wins (a `role-precedence` warning names the others); under `refuse` the user is out of scope
 *   (`role-refused`), so deprovisioned like any other.
 */
export function decide(
  user: EntraUser,
  assignments: readonly AppRoleAssignment[],
  current: CurrentSalesforceUser | null,
  config: MappingConfig,
  options: DecideOptions = {},
): Decision {
  const desired: Desired = {
    ...desiredState(user, assignments, config, options),
    link: config.link ? { field: config.link.field, value: user.id } : null,
  };
  const key = matchingKey(user, config, options);
  const blocked = desired.reasons.some((r) => r.code === 'role-conflict');
  if (blocked) return result('skip', {}, current, desired, key, noGrants, []);
  if (!desired.inScope) return deprovision(current, config, desired, key, options);
  if (current === null) {
    if (key === null) {
      return result('skip', {}, null, desired, null, noGrants, [
        {
          code: 'matching-attribute-missing',
          severity: 'error',
          message: 'No matching attribute has a value, so the user can be neither matched nor created (ImportSkipped)',
        },
      ]);
    }
    const joins = { add: desired.groupMemberships, remove: [] };
    // A create may match a user who already exists: under authoritative its other named entitlements go.
    const groups = commandedGroupChanges(joins, desired.groupMemberships, config);
    const named = namedOf((kind) =>
      commandedNamedChanges(kind, { add: desired[kind], remove: [] }, desired[kind], config),
    );
    return result('create', desired.createFields, null, desired, key, named.permissionSets, [], groups, named);
  }
  const fields = diffFields(desired.updateFields, current);
  // Authoritative unticking of a licence Provision never knew the user to hold is left to the
  // writer (every command states it): deciding it here would send every user a command at once.
  for (const f of Object.keys(fields)) {
    if (isFeatureLicense(f) && fields[f] === false && current[f] === undefined) delete fields[f];
  }
  // A username Provision suffixed because another org held it (usernameCollision) is the user's username.
  const suffix = config.usernameCollision?.suffix;
  const wanted = desired.updateFields['Username'];
  if (suffix && typeof wanted === 'string' && sameValue('Username', `${wanted}${suffix}`, current['Username'])) {
    delete fields['Username'];
  }
  const granted = options.granted ?? {};
  if (desired.updateFields['UserRoleName'] === undefined && granted.userRole) {
    // Additive rules: Provision clears a role only when it is the one Provision set.
    if (sameValue('UserRoleName', granted.userRole, current['UserRoleName'])) fields['UserRoleName'] = null;
  }
  // Merge: the feature licences Provision ticked and no rule grants any more are unticked.
  const licences = revokedFeatureLicenses(desired.featureLicenses ?? [], current, granted.featureLicenses ?? []);
  for (const [field, value] of Object.entries(licences)) if (!(field in fields)) fields[field] = value;
  const changes = namedOf((kind) => namedChanges(kind, desired[kind], current, granted[kind] ?? [], config));
  const grants = changes.permissionSets;
  const groups = groupMembershipChanges(desired.groupMemberships, current, granted.groupMemberships ?? [], config);
  const commanded = namedOf((kind) => commandedNamedChanges(kind, changes[kind], desired[kind], config));
  // A freeze is undone only when Provision freezes: otherwise it is an admin's, not Provision's.
  const frozen = freezes(config) && current.IsFrozen === true;
  if (current.IsActive === false || frozen) {
    if (current.IsActive === false) fields['IsActive'] = true;
    if (frozen) fields['IsFrozen'] = false;
    return result(
      'reactivate',
      fields,
      current,
      desired,
      key,
      commanded.permissionSets,
      [],
      commandedGroupChanges(groups, desired.groupMemberships, config),
      commanded,
    );
  }
  const unchanged =
    Object.values(changes).every((c) => c.add.length + c.remove.length === 0) &&
    groups.add.length + groups.remove.length === 0 &&
    Object.keys(fields).length === 0;
  if (unchanged) {
    return result('skip', {}, current, desired, key, grants, [
      { code: 'no-changes', severity: 'info', message: 'Salesforce already matches Entra' },
    ]);
  }
  return result(
    'update',
    fields,
    current,
    desired,
    key,
    commanded.permissionSets,
    [],
    commandedGroupChanges(groups, desired.groupMemberships, config),
    commanded,
  );
}

/** The changes of each named entitlement type (permission sets, permission set groups and licences). */
function namedOf(of: (kind: NamedEntitlement) => PermissionSetChanges): Record<NamedEntitlement, PermissionSetChanges> {
  return {
    permissionSets: of('permissionSets'),
    permissionSetGroups: of('permissionSetGroups'),
    permissionSetLicenses: of('permissionSetLicenses'),
  };
}

function deprovision(
  current: CurrentSalesforceUser | null,
  config: MappingConfig,
  desired: Desired,
  key: MatchingKey | null,
  options: DecideOptions,
): Decision {
  const action = config.deprovisioning.action;
  const mayExist = options.mayExist === true && key !== null;
  const asked = options.unknownUserAsked === true && options.memoryLost !== true;
  const linkedOnly =
    current === null && !mayExist && (options.memoryLost === true || asked) && config.link !== undefined;
  if (current === null && !mayExist && !linkedOnly) {
    return result('skip', {}, null, desired, key, noGrants, [
      { code: 'not-linked', severity: 'info', message: 'Out of scope and not in Salesforce: nothing to do' },
    ]);
  }
  if (action === 'none') {
    return result('skip', {}, current, desired, key, noGrants, [
      {
        code: 'deprovisioning-skipped',
        severity: 'info',
        message: 'Out of scope, but the configuration leaves out-of-scope users as they are (deprovisioning: none)',
      },
    ]);
  }
  const inactive =
    current !== null && (current.IsActive === false || (action === 'freeze' && current.IsFrozen === true));
  if (inactive) {
    return result('skip', {}, current, desired, key, noGrants, [
      { code: 'already-disabled', severity: 'info', message: 'Out of scope and already inactive in Salesforce' },
    ]);
  }
  // After a lost memory nobody knows when the user left: the link check deactivates outright.
  if (action === 'freezeThenDeactivate' && !linkedOnly)
    return freezeThenDeactivate(current, config, desired, key, options);
  const fields: Record<string, SalesforceFieldValue> = action === 'freeze' ? { IsFrozen: true } : { IsActive: false };
  if (linkedOnly) {
    return {
      ...result('disable', fields, current, desired, key, noGrants, [
        asked
          ? {
              code: 'link-check',
              severity: 'info',
              message: `Out of scope, and Provision has no memory of this user: only a Salesforce user linked to it (${config.link?.field}) is deactivated`,
            }
          : {
              code: 'memory-lost',
              severity: 'info',
              message: `Out of scope, and Provision's memory of this user was lost: only a Salesforce user linked to it (${config.link?.field}) is deactivated`,
            },
      ]),
      linkedOnly: true,
    };
  }
  return result('disable', fields, current, desired, key, noGrants, []);
}

/** Whether the mapping freezes leavers (so a freeze is Provision's to undo). */
function freezes(config: MappingConfig): boolean {
  return config.deprovisioning.action === 'freeze' || config.deprovisioning.action === 'freezeThenDeactivate';
}

const DAY_MS = 86_400_000;

/**
 * When a user frozen at `frozenAt` is due for deactivation under `freezeThenDeactivate`, or null
 * under any other action.
 */
export function deactivationDue(frozenAt: Date, config: MappingConfig): Date | null {
  const days = config.deprovisioning.deactivateAfterDays;
  if (config.deprovisioning.action !== 'freezeThenDeactivate' || days === undefined) return null;
  return new Date(frozenAt.getTime() + Math.round(days * DAY_MS));
}

/** Out of scope under `freezeThenDeactivate`, active: frozen at once, deactivated when the freeze is old enough. */
function freezeThenDeactivate(
  current: CurrentSalesforceUser | null,
  config: MappingConfig,
  desired: Desired,
  key: MatchingKey | null,
  options: DecideOptions,
): Decision {
  const days = config.deprovisioning.deactivateAfterDays;
  const now = options.freeze?.now;
  if (current?.IsFrozen !== true) {
    const due = now ? deactivationDue(now, config) : null;
    return result('disable', { IsFrozen: true }, current, desired, key, noGrants, [
      {
        code: 'deactivation-scheduled',
        severity: 'info',
        message: `Out of scope: frozen (UserLogin.IsFrozen), keeping the licence; deactivated ${days} days later${due ? ` (${due.toISOString()})` : ''} if still out of scope (deprovisioning: freezeThenDeactivate)`,
      },
    ]);
  }
  const frozenAt = options.freeze?.frozenAt ?? now;
  const due = frozenAt ? deactivationDue(frozenAt, config) : null;
  if (now === undefined || due === null || now.getTime() < due.getTime()) {
    return result('skip', {}, current, desired, key, noGrants, [
      {
        code: 'deactivation-pending',
        severity: 'info',
        message: `Out of scope and frozen${frozenAt ? ` since ${frozenAt.toISOString()}` : ''}: deactivated ${due ? `on ${due.toISOString()}` : `${days} days after the freeze`} if still out of scope (deprovisioning: freezeThenDeactivate)`,
      },
    ]);
  }
  return result('disable', { IsActive: false }, current, desired, key, noGrants, [
    {
      code: 'freeze-expired',
      severity: 'info',
      message: `Frozen since ${frozenAt!.toISOString()} when the user left scope, and still out of scope ${days} days later: deactivated, freeing the licence (deprovisioning: freezeThenDeactivate)`,
    },
  ]);
}

/** The desired state with the user's durable link. */
type Desired = DesiredState & { readonly link: Decision['link'] };

const noGrants: PermissionSetChanges = { add: [], remove: [] };
const noGroups: GroupMembershipChanges = { add: [], remove: [] };

function result(
  action: DecisionAction,
  fields: Readonly<Record<string, SalesforceFieldValue>>,
  current: CurrentSalesforceUser | null,
  desired: Desired,
  key: MatchingKey | null,
  permissionSets: PermissionSetChanges,
  extra: readonly Reason[],
  groupMemberships: GroupMembershipChanges = noGroups,
  named: Partial<Record<NamedEntitlement, PermissionSetChanges>> = {},
): Decision {
  return {
    action,
    fields,
    modifiedProperties: modifiedProperties(fields, current),
    permissionSets,
    groupMemberships,
    permissionSetGroups: named.permissionSetGroups ?? noGrants,
    permissionSetLicenses: named.permissionSetLicenses ?? noGrants,
    reasons: [...desired.reasons, ...extra],
    inScope: desired.inScope,
    matchingKey: key,
    link: desired.link,
    linkedOnly: false,
    desired: desired.inScope ? { update: desired.updateFields, create: desired.createFields } : noDesired,
  };
}

const noDesired = { update: {}, create: {} };
