import type { ProvisioningCommandV1 } from '@provision/events';
import {
  type CurrentSalesforceUser,
  type DecideOptions,
  type Decision,
  deactivationDue,
  decide,
  GROUP_FIELDS,
  groupKey,
  groupRefs,
  isFeatureLicense,
  type MappingConfig,
} from '@provision/mapping';
import { commandedNamed, grantedNamed, namedCommandParts } from './named-entitlements.ts';
import { assignmentsOf, toEntraUser, type UserPicture } from './picture.ts';

export interface CommandContext {
  newId: () => string;
  now: () => Date;
  dryRun: boolean;
  origin: 'sync' | 'on-demand';
}

export interface UserDecision {
  decision: Decision;
  /** The command to emit, or null when Salesforce already is what Entra wants. */
  command: ProvisioningCommandV1 | null;
  /** The picture with what was commanded recorded. */
  picture: UserPicture;
}

/**
 * Decides for one user and turns the decision into a command. The mapper compares with what it
 * last commanded (it never reads Salesforce; the writer compares with the real record), so it
 * emits only when the desired Salesforce state changed. A skip is emitted once per new reason, so
 * the provisioning log says why a user was left alone without repeating it on every event.
 */
export function decideUser(
  picture: UserPicture,
  config: MappingConfig,
  ctx: CommandContext,
  options: DecideOptions = {},
): UserDecision {
  const decision = decide(toEntraUser(picture), assignmentsOf(picture), picture.commanded, config, {
    ...options,
    granted: picture.granted,
    mayExist: mayExist(picture),
    memoryLost: options.memoryLost === true && picture.linkChecked !== true,
    freeze: { now: ctx.now(), frozenAt: picture.frozenAt ? new Date(picture.frozenAt) : undefined },
  });
  if (decision.action === 'skip') {
    // Frozen before the mapper kept freeze times (or under another action): the deadline runs from now.
    if (!ctx.dryRun && !picture.frozenAt && decision.reasons.some((r) => r.code === 'deactivation-pending')) {
      picture = { ...picture, frozenAt: ctx.now().toISOString() };
    }
    const signature = decision.reasons.map((r) => r.code).join(',');
    // "Nothing changed" after a command is the normal quiet state: it is not worth a log line.
    const quiet = decision.reasons.some((r) => r.code === 'no-changes' || r.code === 'already-disabled');
    if (quiet || signature === picture.lastSkip)
      return { decision, command: null, picture: { ...picture, lastSkip: quiet ? picture.lastSkip : signature } };
    return { decision, command: toCommand(picture, decision, ctx), picture: { ...picture, lastSkip: signature } };
  }
  const command = toCommand(picture, decision, ctx);
  // A preview changes nothing in Salesforce: the picture must not believe it did, so turning dry
  // run off later sends the real commands.
  if (ctx.dryRun) return { decision, command, picture };
  if (decision.linkedOnly) {
    // Whether Salesforce had the user is unknown, and stays so: the writer disables it only if
    // its link finds it. A failure goes back to `before` (null), so the check is asked again.
    return {
      decision,
      command,
      picture: {
        ...picture,
        pending: { commandId: command.commandId, before: null },
        linkChecked: true,
        lastSkip: null,
      },
    };
  }
  return {
    decision,
    command,
    picture: {
      ...picture,
      commanded: commanded(picture.commanded, decision),
      pending: { commandId: command.commandId, before: picture.commanded },
      granted: granted(picture, decision),
      lastSkip: null,
      // Whatever the outcome, Salesforce may hold the user from now on (created, or matched).
      mayExist: decision.action !== 'disable' || mayExist(picture),
      frozenAt: frozenAt(picture, decision, ctx),
    },
  };
}

/**
 * The freeze time kept for `freezeThenDeactivate`: set by the freeze (kept when a failed freeze is
 * asked for again, so the deadline does not slide), forgotten when the user comes back.
 */
function frozenAt(picture: UserPicture, decision: Decision, ctx: CommandContext): string | null {
  if (decision.action === 'reactivate' || decision.action === 'create') return null;
  if (decision.action === 'disable' && decision.fields['IsFrozen'] === true) {
    return picture.frozenAt ?? ctx.now().toISOString();
  }
  return picture.frozenAt ?? null;
}

/**
 * When the user's deactivation falls due under `freezeThenDeactivate` (its freeze was commanded or
 * it waits for the deadline), or null: the mapper keeps it in a schedule swept at each round's end.
 */
export function deactivationDeadline(d: UserDecision, config: MappingConfig): Date | null {
  const waiting = d.decision.reasons.some(
    (r) => r.code === 'deactivation-scheduled' || r.code === 'deactivation-pending',
  );
  if (!waiting || !d.picture.frozenAt) return null;
  return deactivationDue(new Date(d.picture.frozenAt), config);
}

/** Whether Salesforce may hold the user (pictures saved before the flag existed: if it was ever commanded). */
export function mayExist(picture: UserPicture): boolean {
  return picture.mayExist ?? picture.commanded !== null;
}

/**
 * The command's fields. An update or reactivation states every field kept in step, not only the
 * ones that changed since the last command, and the fields to create the user with: the writer
 * writes only what differs in Salesforce, so any later command repairs what an earlier one that
 * failed (or was overtaken while in flight) left behind, and a user Salesforce lacks is created.
 */
function fieldsOf(decision: Decision): Pick<ProvisioningCommandV1, 'fields' | 'createFields'> {
  if (decision.action !== 'update' && decision.action !== 'reactivate') return { fields: plain(decision.fields) };
  return {
    fields: plain({ ...decision.desired.update, ...decision.fields }),
    createFields: plain(decision.desired.create),
  };
}

function toCommand(picture: UserPicture, decision: Decision, ctx: CommandContext): ProvisioningCommandV1 {
  return {
    commandId: ctx.newId(),
    changeId: picture.changeId ?? ctx.newId(),
    userId: picture.id,
    action: decision.action,
    ...fieldsOf(decision),
    modifiedProperties: decision.modifiedProperties.map((p) => ({
      name: p.name,
      oldValue: plainValue(p.oldValue),
      newValue: plainValue(p.newValue),
    })),
    matching: decision.matchingKey,
    ...(decision.link ? { link: { ...decision.link } } : {}),
    ...(decision.linkedOnly ? { linkedOnly: true } : {}),
    reasons: decision.reasons.map((r) => ({
      code: r.code,
      message: r.message,
      severity: r.severity,
      ...(r.field ? { field: r.field } : {}),
    })),
    permissionSets: { add: [...decision.permissionSets.add], remove: [...decision.permissionSets.remove] },
    ...(decision.groupMemberships.add.length + decision.groupMemberships.remove.length > 0
      ? {
          groupMemberships: {
            add: decision.groupMemberships.add.map((g) => ({ ...g })),
            remove: decision.groupMemberships.remove.map((g) => ({ ...g })),
          },
        }
      : {}),
    ...namedCommandParts(decision),
    salesforceId: picture.commanded?.Id || null,
    dryRun: ctx.dryRun,
    origin: ctx.origin,
    issuedAt: ctx.now().toISOString(),
  };
}

/** What Salesforce will be once the writer carries the decision out. */
function commanded(current: CurrentSalesforceUser | null, decision: Decision): CurrentSalesforceUser {
  const base: CurrentSalesforceUser = current ?? { Id: '', IsActive: true };
  const permissionSets = new Set(base.PermissionSets ?? []);
  for (const p of decision.permissionSets.add) permissionSets.add(p);
  for (const p of decision.permissionSets.remove) permissionSets.delete(p);
  return {
    ...base,
    ...decision.fields,
    // A freeze alone leaves the user active (it keeps the licence); any other disable deactivates.
    IsActive:
      decision.action === 'disable'
        ? decision.fields['IsFrozen'] === true && decision.fields['IsActive'] === undefined
          ? base.IsActive
          : false
        : ((decision.fields['IsActive'] as boolean | undefined) ??
          (decision.action === 'reactivate' ? true : base.IsActive)),
    PermissionSets: [...permissionSets].sort(),
    ...commandedGroups(base, decision),
    ...commandedNamed(base, decision),
  } as CurrentSalesforceUser;
}

/** The user's public groups and queues once the decision's memberships are added and removed. */
function commandedGroups(
  base: CurrentSalesforceUser,
  decision: Decision,
): Pick<CurrentSalesforceUser, 'PublicGroups' | 'Queues'> {
  const { add, remove } = decision.groupMemberships;
  if (add.length + remove.length === 0) {
    return {
      ...(base.PublicGroups ? { PublicGroups: base.PublicGroups } : {}),
      ...(base.Queues ? { Queues: base.Queues } : {}),
    };
  }
  const out: Record<'PublicGroups' | 'Queues', Set<string>> = {
    PublicGroups: new Set(base.PublicGroups ?? []),
    Queues: new Set(base.Queues ?? []),
  };
  for (const g of add) out[GROUP_FIELDS[g.type]].add(g.name);
  for (const g of remove) out[GROUP_FIELDS[g.type]].delete(g.name);
  return { PublicGroups: [...out.PublicGroups].sort(), Queues: [...out.Queues].sort() };
}

function granted(picture: UserPicture, decision: Decision): UserPicture['granted'] {
  const sets = new Set(picture.granted.permissionSets);
  for (const p of decision.permissionSets.add) sets.add(p);
  for (const p of decision.permissionSets.remove) sets.delete(p);
  const role = decision.fields['UserRoleName'];
  const groups = new Map((picture.granted.groupMemberships ?? []).map((g) => [groupKey(g), g]));
  for (const g of decision.groupMemberships.add) groups.set(groupKey(g), { ...g });
  for (const g of decision.groupMemberships.remove) groups.delete(groupKey(g));
  const licences = new Set(picture.granted.featureLicenses ?? []);
  for (const [field, value] of Object.entries(decision.fields)) {
    if (!isFeatureLicense(field)) continue;
    if (value === true) licences.add(field);
    else licences.delete(field);
  }
  return {
    permissionSets: [...sets].sort(),
    ...(groups.size > 0 ? { groupMemberships: groupRefs(groups.values()) } : {}),
    ...(licences.size > 0 ? { featureLicenses: [...licences].sort() } : {}),
    ...grantedNamed(picture.granted, decision),
    userRole: role === undefined ? picture.granted.userRole : typeof role === 'string' ? role : null,
  };
}

type Plain = string | number | boolean | null | string[];
function plainValue(v: unknown): Plain {
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.map(String);
  return v as Plain;
}
function plain(fields: Readonly<Record<string, unknown>>): Record<string, Plain> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, plainValue(v)]));
}
