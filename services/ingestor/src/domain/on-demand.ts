import { ProvisionError } from '@provision/errors';
import type { Initiator } from '@provision/events';
import { groupRolesOf, isPersonAssignment, roleResolver } from './assignments.ts';
import { toAttributes } from './attributes.ts';
import { type FactBody, RoundEmitter } from './emitter.ts';
import type { Assignment } from './ports.ts';
import type { RoundDeps } from './sync-round.ts';

export interface OnDemandResult {
  readonly syncId: string;
  readonly userId: string;
  readonly published: Readonly<Record<string, number>>;
  /**
   * Set when Graph no longer has the user: its removal was published instead of its facts (`hard`
   * only when the caller asked for it with `deprovisionIfGone`).
   */
  readonly removed?: 'soft' | 'hard';
}

export interface OnDemandOptions {
  /**
   * Publish the removal of a user Entra does not know at all (deleted for good): what `provision
   * reconcile --apply` asks for a Salesforce user still linked to one. Without it such an id is not
   * found.
   */
  readonly deprovisionIfGone?: boolean;
}

/**
 * Provision-on-demand: reads one user, its direct group memberships and the assignments reaching
 * it (its own and its groups') from Graph, and publishes them at once under an `on-demand-…` sync
 * id (no markers: it is not a sync), the user's fact naming who asked. The next round reconciles
 * anything it missed.
 */
export async function provisionOnDemand(
  deps: RoundDeps,
  userId: string,
  by?: Initiator,
  options: OnDemandOptions = {},
): Promise<OnDemandResult> {
  const user = await deps.source.user(userId);
  if (!user) return publishRemoval(deps, userId, by, options);
  const [groups, roles] = await Promise.all([deps.source.userGroups(userId), deps.source.appRoles()]);
  const groupSet = new Set(groups);
  const relevant: Assignment[] = [];
  for await (const page of deps.source.assignments()) {
    for (const a of page) {
      if (!isPersonAssignment(a)) continue;
      if (
        (a.principalType === 'User' && a.principalId === userId) ||
        (a.principalType === 'Group' && groupSet.has(a.principalId))
      ) {
        relevant.push(a);
      }
    }
  }
  const roleOf = roleResolver(roles);
  const groupRoles = groupRolesOf(relevant, roleOf);
  const facts: FactBody[] = [
    {
      type: 'user.upserted',
      userId,
      attributes: toAttributes(user),
      complete: true,
      ...(by ? { initiatedBy: by } : {}),
    },
    ...groups.map(
      (groupId): FactBody => ({
        type: 'membership.changed',
        userId,
        groupId,
        change: 'added',
        groupRoles: groupRoles.get(groupId) ?? [],
      }),
    ),
    ...relevant.map(
      (a): FactBody => ({
        type: 'assignment.changed',
        userId,
        assignmentId: a.id,
        principalType: a.principalType === 'User' ? 'User' : 'Group',
        principalId: a.principalId,
        role: roleOf(a.appRoleId),
        change: 'added',
      }),
    ),
  ];
  const syncId = `on-demand-${new Date(deps.clock.now()).toISOString()}`;
  const out = new RoundEmitter(deps, syncId, 'incremental');
  await out.emit(facts, { markers: false });
  await out.flush();
  const published: Record<string, number> = {};
  for (const fact of facts) published[fact.type] = (published[fact.type] ?? 0) + 1;
  return { syncId, userId, published };
}

/**
 * A user Graph no longer has. In deleted items, its removal is published, so a Salesforce user
 * Provision linked to it is deactivated even when the mapper lost its memory of it. An id Entra does
 * not know at all (deleted for good, or never a user) is not found unless the caller asked for its
 * removal (`deprovisionIfGone`, as `provision reconcile --apply` does for a Salesforce user still
 * linked to it): publishing a removal for any id asked would let every caller make the mapper and
 * the writer look it up in Salesforce.
 */
async function publishRemoval(
  deps: RoundDeps,
  userId: string,
  by: Initiator | undefined,
  options: OnDemandOptions,
): Promise<OnDemandResult> {
  const removal = (await deps.source.isDeleted(userId)) ? 'soft' : 'hard';
  if (removal === 'hard' && !options.deprovisionIfGone) {
    throw new ProvisionError(
      'PRV_NOT_FOUND',
      `Entra ID has no user ${userId}, not even in deleted items. If a Salesforce user is still linked to it, \`provision reconcile --apply\` deactivates it.`,
      { details: { userId } },
    );
  }
  const syncId = `on-demand-${new Date(deps.clock.now()).toISOString()}`;
  const out = new RoundEmitter(deps, syncId, 'incremental');
  await out.emit([{ type: 'user.removed', userId, removal, ...(by ? { initiatedBy: by } : {}) }], { markers: false });
  await out.flush();
  return { syncId, userId, published: { 'user.removed': 1 }, removed: removal };
}
