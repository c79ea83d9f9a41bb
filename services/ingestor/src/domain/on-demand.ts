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
  /** Set when Graph no longer has the user: its removal was published instead of its facts. */
  readonly removed?: 'soft' | 'hard';
}

/**
 * Provision-on-demand: reads one user, its direct group memberships and the assignments reaching
 * it (its own and its groups') from Graph, and publishes them at once under an `on-demand-…` sync
 * id (no markers: it is not a sync), the user's fact naming who asked. The next round reconciles
 * anything it missed.
 */
export async function provisionOnDemand(deps: RoundDeps, userId: string, by?: Initiator): Promise<OnDemandResult> {
  const user = await deps.source.user(userId);
  if (!user) return publishRemoval(deps, userId, by);
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
  const syncId = `on-demand-${deps.clock.now().toISOString()}`;
  const out = new RoundEmitter(deps, syncId, 'incremental');
  await out.emit(facts, { markers: false });
  await out.flush();
  const published: Record<string, number> = {};
  for (const fact of facts) published[fact.type] = (published[fact.type] ?? 0) + 1;
  return { syncId, userId, published };
}

/**
 * A user Graph no longer has (in deleted items, or gone for good): its removal is published, so a
 * Salesforce user Provision linked to it is deactivated even when the mapper lost its memory of it
 * (the way to settle a user deleted while Redis was lost: docs/operations.md, "The durable link").
 */
async function publishRemoval(deps: RoundDeps, userId: string, by?: Initiator): Promise<OnDemandResult> {
  const removal = (await deps.source.isDeleted(userId)) ? 'soft' : 'hard';
  const syncId = `on-demand-${deps.clock.now().toISOString()}`;
  const out = new RoundEmitter(deps, syncId, 'incremental');
  await out.emit([{ type: 'user.removed', userId, removal, ...(by ? { initiatedBy: by } : {}) }], { markers: false });
  await out.flush();
  return { syncId, userId, published: { 'user.removed': 1 }, removed: removal };
}
