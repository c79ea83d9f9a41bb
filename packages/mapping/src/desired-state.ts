import type { AttributeSource } from '@provision/expressions';
import { attributeOf } from './attributes.ts';
import type { AttributeMapping, MappingConfig } from './config/schema.ts';
import { coerce, evaluateMapping, fieldTypeOf } from './evaluate-mapping.ts';
import { featureLicenseFields, grantedFeatureLicenses, namedFeatureLicenses } from './feature-licences.ts';
import { checkField, REQUIRED_ON_CREATE } from './field-checks.ts';
import { groupRefs } from './group-memberships.ts';
import { grantedNames } from './named-entitlements.ts';
import { type RoleResolution, resolveRole } from './roles.ts';
import { evaluateScopingFilters } from './scoping.ts';
import type {
  AppRoleAssignment,
  DecideOptions,
  DesiredState,
  EntraUser,
  GroupRef,
  MatchingKey,
  Reason,
  SalesforceFieldValue,
} from './types.ts';

/** Why the user is (or is not) in scope, and the role it holds. */
export interface ScopeVerdict {
  readonly inScope: boolean;
  /** True when the only thing wrong is a role conflict: Provision then leaves the user as is. */
  readonly blocked: boolean;
  readonly role: string | null;
  readonly reasons: readonly Reason[];
}

/**
 * Scope, as Entra decides it (reference §2.1, §2.2, §2.5): not soft-deleted, enabled, assigned with
 * a real role (scope `assignedUsersAndGroups`), and passing the scoping filters. Every reason that
 * applies is given, not only the first.
 */
export function scopeOf(
  user: EntraUser,
  assignments: readonly AppRoleAssignment[],
  config: MappingConfig,
): ScopeVerdict {
  const out: Reason[] = [];
  if (user.isSoftDeleted) out.push(reason('soft-deleted', 'The user is soft-deleted in Entra (in deleted items)'));
  if (attributeOf(user.attributes, 'accountEnabled') === false) {
    out.push(reason('account-disabled', 'The user is disabled in Entra (accountEnabled is false)'));
  }
  const resolution = resolveRole(user, assignments, config.multipleRoles);
  const allUsers = config.scope === 'allUsers';
  if (!allUsers && resolution.kind === 'unassigned') {
    out.push(
      reason('unassigned', 'The user is not assigned to the app, directly or through a group it is a direct member of'),
    );
  }
  if (!allUsers && resolution.kind === 'default-access') {
    out.push(
      reason(
        'default-access',
        `The user holds only "Default Access" (${resolution.via.join(', ')}), which doesn't work for Salesforce provisioning: assign a profile role`,
      ),
    );
  }
  if (resolution.kind === 'refused') out.push({ code: 'role-refused', severity: 'error', message: resolution.message });
  const filters = evaluateScopingFilters(config.scopingFilters, user.attributes);
  if (!filters.passed) out.push(reason('scoping-filter', `The user fails the scoping filters: ${filters.explanation}`));
  if (out.length > 0) return { inScope: false, blocked: false, role: roleOf(resolution), reasons: out };
  if (resolution.kind === 'conflict') {
    return {
      inScope: false,
      blocked: true,
      role: null,
      reasons: [{ code: 'role-conflict', severity: 'error', message: resolution.message }],
    };
  }
  const inScope: Reason[] = [
    reason(
      'in-scope',
      config.scope === 'allUsers'
        ? `In scope (all users; ${filters.explanation})`
        : `In scope (assigned; ${filters.explanation})`,
    ),
  ];
  if (resolution.kind === 'role') {
    inScope.push(reason('role-resolved', `Role "${resolution.role}" from ${resolution.via.join(', ')}`, 'ProfileName'));
  }
  if (resolution.kind === 'role' && resolution.overruled && resolution.overruled.length > 0) {
    const lost = resolution.overruled.map((r) => `"${r.role}" (${r.via.join(', ')})`).join(', ');
    inScope.push({
      code: 'role-precedence',
      severity: 'warning',
      field: 'ProfileName',
      message: `The user holds more than one app role; "${resolution.role}" wins by multipleRoles.precedence over ${lost}`,
    });
  }
  return { inScope: true, blocked: false, role: roleOf(resolution), reasons: inScope };
}

/**
 * What Provision wants the Salesforce user to look like: scope with its reasons, the fields of a
 * create (defaults applied) and the fields kept in step on update (mappings applied always, no
 * defaults), with every value checked against what Salesforce accepts.
 */
export function desiredState(
  user: EntraUser,
  assignments: readonly AppRoleAssignment[],
  config: MappingConfig,
  options: DecideOptions = {},
): DesiredState {
  const scope = scopeOf(user, assignments, config);
  if (!scope.inScope) {
    return {
      inScope: false,
      role: scope.role,
      createFields: {},
      updateFields: {},
      permissionSets: [],
      groupMemberships: [],
      permissionSetGroups: [],
      permissionSetLicenses: [],
      reasons: scope.reasons,
    };
  }
  const source = expressionSource(user, scope.role, false);
  const reasons: Reason[] = [...scope.reasons];
  const createFields: Record<string, SalesforceFieldValue> = {};
  const updateFields: Record<string, SalesforceFieldValue> = {};
  for (const mapping of config.mappings) {
    const value = mappedValue(mapping, source, options, config.validatePicklists, reasons);
    const onCreate = value ?? defaultValue(mapping, config.validatePicklists, reasons, value === undefined);
    if (onCreate !== null) createFields[mapping.target] = onCreate;
    if (value !== null && value !== undefined && mapping.apply === 'always') updateFields[mapping.target] = value;
  }
  for (const field of REQUIRED_ON_CREATE) {
    if (createFields[field] === undefined) {
      reasons.push({
        code: 'required-field-missing',
        severity: 'warning',
        field,
        message: `${field} has no value; Salesforce requires it to create a user (SalesforceRequiredFieldMissing)`,
      });
    }
  }
  if (config.link) {
    // Written on create and kept in step: a matched user gets it, a copied sandbox user is relinked.
    createFields[config.link.field] = user.id;
    updateFields[config.link.field] = user.id;
  }
  const userRole = config.roleRules.find((r) => user.memberOf.includes(r.group));
  if (userRole) {
    createFields['UserRoleName'] = userRole.role;
    updateFields['UserRoleName'] = userRole.role;
  } else if (config.entitlementModes.role === 'authoritative' && config.roleRules.length > 0) {
    // The role comes from the rules only: none matches, so the user has none, whoever set it (a
    // create may match an existing user, so the create states it too).
    updateFields['UserRoleName'] = null;
    createFields['UserRoleName'] = null;
  }
  const featureLicenses = grantedFeatureLicenses(user, source, config, options, reasons);
  const licenceFields = featureLicenseFields(featureLicenses, config);
  if (config.entitlementModes.featureLicense === 'merge') {
    // A mapping's default False for a licence the rules manage would untick, on a matched user, a
    // licence an admin gave: merge never takes those. A new user's checkbox is false anyway.
    for (const f of namedFeatureLicenses(config)) if (createFields[f] === false) delete createFields[f];
  }
  Object.assign(createFields, licenceFields);
  Object.assign(updateFields, licenceFields);
  const groups = new Set(user.memberOf);
  const permissionSets = [
    ...new Set(config.permissionSetRules.filter((r) => groups.has(r.group)).flatMap((r) => r.permissionSets)),
  ].sort();
  const groupMemberships = groupRefs(
    config.groupMembershipRules
      .filter((r) => groups.has(r.group))
      .flatMap((r) => [
        ...r.publicGroups.map((name): GroupRef => ({ type: 'publicGroup', name })),
        ...r.queues.map((name): GroupRef => ({ type: 'queue', name })),
      ]),
  );
  return {
    inScope: true,
    role: scope.role,
    createFields,
    updateFields,
    permissionSets,
    groupMemberships,
    featureLicenses,
    permissionSetGroups: grantedNames(config, 'permissionSetGroups', groups),
    permissionSetLicenses: grantedNames(config, 'permissionSetLicenses', groups),
    reasons,
  };
}

/**
 * The key the writer matches an unlinked user with: the matching attributes in precedence order,
 * the first that has a value. Null when none has one (Entra: `ImportSkipped`).
 */
export function matchingKey(user: EntraUser, config: MappingConfig, options: DecideOptions = {}): MatchingKey | null {
  return matchingKeys(user, config, options)[0] ?? null;
}

/** Every matching attribute that has a value, in precedence order (lowest `matchingPrecedence` first). */
export function matchingKeys(user: EntraUser, config: MappingConfig, options: DecideOptions = {}): MatchingKey[] {
  const source = expressionSource(user, null, false);
  return config.mappings
    .filter((m) => m.matchingPrecedence !== undefined)
    .sort((a, b) => (a.matchingPrecedence ?? 0) - (b.matchingPrecedence ?? 0))
    .flatMap((m) => {
      const outcome = evaluateMapping(m, source, options);
      if (outcome.kind !== 'value') return [];
      const value = Array.isArray(outcome.value) ? outcome.value[0] : String(outcome.value);
      return value ? [{ attribute: m.target, value }] : [];
    });
}

/**
 * The source expressions read: Graph's attributes plus what Entra computes — `IsSoftDeleted` (true
 * when the user is out of scope for any reason, reference §2.5), `appRoleAssignments` (the resolved
 * role), `objectId`, and for a B2B guest the UPN as Entra gives it to mappings (`guestSourceUpn`)
 * with the raw one as `originalUserPrincipalName`.
 */
export function expressionSource(user: EntraUser, role: string | null, isSoftDeleted: boolean): AttributeSource {
  return {
    objectId: user.id,
    ...user.attributes,
    ...guestSourceUpn(user.attributes),
    IsSoftDeleted: isSoftDeleted,
    appRoleAssignments: role === null ? [] : [role],
  };
}

const GUEST_UPN = /^(.*)_([^_]+)#EXT#@[^@]+$/i;

/**
 * A B2B guest's UPN (`alias_theirdomain#EXT#@yourdomain`) is not a usable Salesforce username: `#`
 * and the inviting tenant's domain. As Entra does when `userPrincipalName` is a mapping's source
 * (reference §2.1), the mapping sees `alias@theirdomain` — the guest's own address, hence a valid
 * username and FederationIdentifier — and the raw value as `originalUserPrincipalName`. The last `_`
 * before `#EXT#` is the one Entra put in place of the `@`. Other users: nothing changes.
 */
export function guestSourceUpn(attributes: EntraUser['attributes']): Record<string, string> {
  const raw = attributeOf(attributes, 'userPrincipalName');
  if (typeof raw !== 'string') return {};
  const guest = GUEST_UPN.exec(raw);
  if (!guest) return {};
  // Every spelling of the attribute is replaced (names are case-insensitive).
  const upn = `${guest[1]}@${guest[2]}`;
  const spellings = Object.keys(attributes).filter((k) => k.toLowerCase() === 'userprincipalname');
  return {
    ...Object.fromEntries(spellings.map((k) => [k, upn])),
    userPrincipalName: upn,
    originalUserPrincipalName: raw,
  };
}

/** The mapping's checked value; null when it yields none, undefined when it yields none *and* has no source. */
function mappedValue(
  mapping: AttributeMapping,
  source: AttributeSource,
  options: DecideOptions,
  validatePicklists: boolean,
  reasons: Reason[],
): SalesforceFieldValue | undefined {
  const field = mapping.target;
  const outcome = evaluateMapping(mapping, source, options);
  switch (outcome.kind) {
    case 'null':
      return mapping.source === undefined && mapping.expression === undefined && mapping.constant === undefined
        ? undefined
        : null;
    case 'ignored':
      reasons.push(reason('value-dropped', `${field}: IgnoreFlowIfNullOrEmpty dropped it from the flow`, field));
      return null;
    case 'error':
      reasons.push({ code: 'expression-failed', severity: 'warning', field, message: `${field}: ${outcome.message}` });
      return null;
    case 'value': {
      const shaped = coerce(outcome.value, fieldTypeOf(mapping));
      if ('problem' in shaped) {
        reasons.push({ code: 'invalid-value', severity: 'warning', field, message: `${field}: ${shaped.problem}` });
        return null;
      }
      if (shaped.note)
        reasons.push({ code: 'invalid-value', severity: 'warning', field, message: `${field}: ${shaped.note}` });
      const checked = checkField(field, shaped.value, validatePicklists);
      if (!checked.ok) {
        reasons.push(checked.reason);
        return null;
      }
      reasons.push(...checked.reasons);
      return checked.value;
    }
  }
}

function defaultValue(
  mapping: AttributeMapping,
  validatePicklists: boolean,
  reasons: Reason[],
  noSource: boolean,
): SalesforceFieldValue {
  if (mapping.default === undefined) return null;
  const shaped = coerce(mapping.default, fieldTypeOf(mapping));
  if ('problem' in shaped) {
    reasons.push({ code: 'invalid-value', severity: 'warning', field: mapping.target, message: shaped.problem });
    return null;
  }
  const checked = checkField(mapping.target, shaped.value, validatePicklists);
  if (!checked.ok) {
    reasons.push(checked.reason);
    return null;
  }
  if (!noSource) {
    reasons.push(
      reason(
        'default-value-used',
        `${mapping.target}: no value from the source; default ${JSON.stringify(checked.value)} used on create`,
        mapping.target,
      ),
    );
  }
  return checked.value;
}

function roleOf(resolution: RoleResolution): string | null {
  return resolution.kind === 'role' ? resolution.role : null;
}

function reason(code: Reason['code'], message: string, field?: string): Reason {
  return field === undefined ? { code, message, severity: 'info' } : { code, message, severity: 'info', field };
}
