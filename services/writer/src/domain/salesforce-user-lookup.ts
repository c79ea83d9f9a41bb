import type { ProvisioningCommandV1 } from '@provision/events';
import type { MappingConfig } from '@provision/mapping';
import type { FoundBy, LookupAttempt, SalesforceUserRecord } from '@provision/salesforce';
import type { ExistingSalesforceUser, GroupMemberships, LinkStore, RateBudget, SalesforceDirectory } from './ports.ts';
import { resolveUsers } from './resolve-users.ts';

export type LookupAnswer =
  | {
      readonly found: true;
      readonly foundBy: FoundBy;
      readonly user: SalesforceUserRecord;
      readonly tried: readonly LookupAttempt[];
      readonly apiCalls: number;
    }
  | {
      readonly found: false;
      readonly reason: 'not-found' | 'ambiguous' | 'no-key';
      readonly message: string;
      readonly ids: readonly string[];
      readonly tried: readonly LookupAttempt[];
      readonly apiCalls: number;
    };

export interface LookupDeps {
  readonly directory: SalesforceDirectory;
  readonly links: Pick<LinkStore, 'getMany'>;
  readonly budget: RateBudget;
  readonly mapping: MappingConfig;
}

// Read on every user besides the mapped fields: what the console shows in its header.
const ALWAYS = ['Username', 'IsActive', 'ProfileName', 'UserRoleName', 'LastModifiedDate'];
// Not User fields: permission sets are read on their own.
const NOT_FIELDS = new Set(['PermissionSets', 'PublicGroups', 'Queues']);

/** The Salesforce fields the lookup reads: the mapping's targets, the link field and the header's. */
export function fieldsRead(mapping: MappingConfig): string[] {
  const targets = mapping.mappings.map((m) => m.target).filter((t) => !NOT_FIELDS.has(t));
  // The feature licences the rules manage are User checkboxes: shown with the other fields.
  const licences = mapping.featureLicenseRules.flatMap((r) => r.featureLicenses);
  return [...new Set([...ALWAYS, ...targets, ...licences, ...(mapping.link ? [mapping.link.field] : [])])];
}

/**
 * The attributes a caller may match with: those the mapping gives a matching precedence, and
 * `Username` (what the writer falls back on). Nothing else, so the read cannot search Salesforce
 * by an arbitrary field.
 */
export function matchingAttributes(mapping: MappingConfig): Set<string> {
  return new Set([
    'Username',
    ...mapping.mappings.filter((m) => m.matchingPrecedence !== undefined).map((m) => m.target),
  ]);
}

/**
 * Finds the Salesforce user of one Entra user the way the writer resolves a command's user — the
 * stored link (Redis), then the durable link field, then the matching attribute — through the same
 * `resolveUsers`, but reads only: a stale link is reported, not deleted, and a user found by the
 * link field is not linked again. Each query is one call charged to the shared budget, so the
 * console's reads count against the org's allocation as the writes do.
 */
export async function lookupSalesforceUser(
  userId: string,
  match: { readonly attribute: string; readonly value: string } | null,
  deps: LookupDeps,
): Promise<LookupAnswer> {
  const fields = fieldsRead(deps.mapping);
  const link = deps.mapping.link ? { field: deps.mapping.link.field, value: userId } : undefined;
  const command: ProvisioningCommandV1 = {
    commandId: 'console-read',
    changeId: 'console-read',
    userId,
    action: 'update',
    fields: Object.fromEntries(fields.map((f) => [f, null])),
    modifiedProperties: [],
    matching: match,
    ...(link ? { link } : {}),
    reasons: [],
    permissionSets: { add: [], remove: [] },
    salesforceId: null,
    dryRun: true,
    origin: 'sync',
    issuedAt: new Date(0).toISOString(),
  };
  const tried: LookupAttempt[] = [];
  let apiCalls = 0;
  const byOf = (attribute: string): FoundBy =>
    attribute === 'Id' ? 'stored-link' : attribute === link?.field ? 'link-field' : 'matching-attribute';
  const query = async (attribute: string, values: readonly string[], read: readonly string[]) => {
    if (values.length === 0) return [];
    await deps.budget.spend(1);
    apiCalls++;
    const users = await deps.directory.findUsers(attribute, values, read);
    tried.push({ by: byOf(attribute), attribute, value: values.join(', '), found: users.map((u) => u.id) });
    return users;
  };
  const readOnly: LinkStore = {
    getMany: (ids) => deps.links.getMany(ids),
    setMany: async () => undefined,
    deleteMany: async () => undefined,
  };
  const resolution = (
    await resolveUsers([command], {
      links: readOnly,
      query,
      usernameSuffix: deps.mapping.usernameCollision?.suffix,
    })
  ).get(command);
  const missed = (reason: 'not-found' | 'ambiguous' | 'no-key', message: string, ids: readonly string[] = []) => ({
    found: false as const,
    reason,
    message,
    ids,
    tried,
    apiCalls,
  });
  if (!resolution || resolution.kind === 'none') {
    return missed('not-found', `No Salesforce user found for Entra user '${userId}': ${describeTried(tried, link)}`);
  }
  if (resolution.kind === 'unmatchable') {
    return missed(
      'no-key',
      `No Salesforce user found for Entra user '${userId}': ${describeTried(tried, link)}; and no matching value was given to search by (the mapper's decision has none)`,
    );
  }
  if (resolution.kind === 'ambiguous') {
    return missed(
      'ambiguous',
      `${resolution.ids.length} Salesforce users match Entra user '${userId}' (${resolution.ids.join(', ')}): the writer would refuse to pick one`,
      resolution.ids,
    );
  }
  const found = resolution.user;
  const foundBy: FoundBy =
    resolution.kind === 'matched'
      ? 'matching-attribute'
      : (tried.find((t) => t.found.includes(found.id))?.by ?? 'stored-link');
  let permissionSets: string[] | null = null;
  if (deps.directory.readPermissionSets) {
    await deps.budget.spend(1);
    apiCalls++;
    permissionSets = (await deps.directory.readPermissionSets([found.id])).get(found.id) ?? [];
  }
  let groupMemberships: GroupMemberships | null | undefined;
  if (deps.mapping.groupMembershipRules.length > 0) {
    groupMemberships = null;
    if (deps.directory.readGroupMemberships) {
      await deps.budget.spend(1);
      apiCalls++;
      groupMemberships = (await deps.directory.readGroupMemberships([found.id])).get(found.id) ?? {
        publicGroups: [],
        queues: [],
      };
    }
  }
  // Permission set groups and licences, each in one more call when the mapping grants them.
  const named: { permissionSetGroups?: string[] | null; permissionSetLicenses?: string[] | null } = {};
  for (const [key, rules, read] of [
    ['permissionSetGroups', deps.mapping.permissionSetGroupRules, deps.directory.readPermissionSetGroups],
    ['permissionSetLicenses', deps.mapping.permissionSetLicenseRules, deps.directory.readPermissionSetLicenses],
  ] as const) {
    if ((rules ?? []).length === 0) continue;
    named[key] = null;
    if (!read) continue;
    await deps.budget.spend(1);
    apiCalls++;
    named[key] = (await read.call(deps.directory, [found.id])).get(found.id) ?? [];
  }
  const user = recordOf(found, fields, permissionSets);
  return {
    found: true,
    foundBy,
    user: { ...user, ...(groupMemberships === undefined ? {} : { groupMemberships }), ...named },
    tried,
    apiCalls,
  };
}

function recordOf(
  user: ExistingSalesforceUser,
  fields: readonly string[],
  permissionSets: string[] | null,
): SalesforceUserRecord {
  const text = (name: string) => {
    const v = user.fields[name];
    return typeof v === 'string' ? v : null;
  };
  const active = user.fields['IsActive'];
  return {
    id: user.id,
    username: text('Username'),
    isActive: typeof active === 'boolean' ? active : null,
    profileName: text('ProfileName'),
    userRole: text('UserRoleName'),
    lastModifiedDate: text('LastModifiedDate'),
    fields: Object.fromEntries(
      fields.filter((f) => f !== 'LastModifiedDate').map((f) => [f, user.fields[f] ?? null] as const),
    ),
    permissionSets,
  };
}

function describeTried(tried: readonly LookupAttempt[], link: { field: string } | undefined): string {
  const parts: string[] = [];
  const stored = tried.find((t) => t.by === 'stored-link');
  parts.push(stored ? `the stored link (${stored.value}) points to no user` : 'no stored link');
  if (link) {
    parts.push(
      tried.some((t) => t.by === 'link-field') ? `no user has it in ${link.field}` : `${link.field} was not searched`,
    );
  } else parts.push('the mapping declares no link field');
  const matched = tried.find((t) => t.by === 'matching-attribute');
  if (matched) parts.push(`no user has ${matched.attribute} = ${matched.value}`);
  return parts.join('; ');
}
