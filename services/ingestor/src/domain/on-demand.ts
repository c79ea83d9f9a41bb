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
}

/**
 * Provision-on-demand: reads one user, its direct group memberships and the assignments reaching
 * it (its own and its groups') from Graph, and publishes them at once under an `on-demand-…` sync
 * id (no markers: it is not a sync), the user's fact naming who asked. The next round reconciles
 * anything it missed.
 */
export async function provisionOnDemand(deps: RoundDeps, userId: string, by?: Initiator): Promise<OnDemandResult> {
  const user = await deps.source.user(userId);
  if (!user) throw new ProvisionError('PRV_NOT_FOUND', `User ${userId} does not exist in the directory.`);
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
