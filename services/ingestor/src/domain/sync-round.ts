import { isProvisionError, ProvisionError } from '@provision/errors';
import type { RoleRef } from '@provision/events';
import { diffAssignments, groupRolesOf, listPersonAssignments, roleResolver } from './assignments.ts';
import { toAttributes } from './attributes.ts';
import { type FactBody, RoundEmitter } from './emitter.ts';
import type { Log } from './log.ts';
import type {
  Assignment,
  Clock,
  DirectoryEventSink,
  DirectorySource,
  GroupDelta,
  IdSource,
  IngestorMetrics,
  SnapshotAssignment,
  SyncState,
} from './ports.ts';

export interface RoundDeps {
  readonly source: DirectorySource;
  readonly state: SyncState;
  readonly sink: DirectoryEventSink;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly metrics: IngestorMetrics;
  readonly log: Log;
  /** Aborted on shutdown: the round stops at its next page, cursors unsaved, redone next start. */
  readonly signal?: AbortSignal;
}

export interface RoundResult {
  readonly syncId: string;
  readonly mode: 'full' | 'incremental';
  readonly counts: Readonly<Record<string, number>>;
}

/**
 * One sync round. Full when there are no cursors yet (first start) or when Graph no longer knows
 * one (`PRV_GRAPH_DELTA_EXPIRED`): then everything is read from scratch under a new sync id so
 * the mapper can tell, from the markers, who vanished meanwhile. Incremental otherwise.
 */
export async function runSyncRound(deps: RoundDeps, options: { full?: boolean } = {}): Promise<RoundResult> {
  const cursors = await deps.state.cursors();
  const full = options.full === true || cursors.users === undefined || cursors.groups === undefined;
  if (full) return timed(deps, 'full', () => round(deps, 'full', {}));
  try {
    return await timed(deps, 'incremental', () => round(deps, 'incremental', cursors));
  } catch (error) {
    if (!isProvisionError(error) || error.code !== 'PRV_GRAPH_DELTA_EXPIRED') throw error;
    deps.log.warn({ err: error }, 'delta cursor expired, running a full resync');
    await deps.state.clearCursors();
    return timed(deps, 'full', () => round(deps, 'full', {}));
  }
}

async function timed(
  deps: RoundDeps,
  mode: 'full' | 'incremental',
  work: () => Promise<RoundResult>,
): Promise<RoundResult> {
  const started = deps.clock.now();
  const seconds = () => (deps.clock.now() - started) / 1000;
  try {
    const result = await work();
    deps.metrics.round(mode, 'ok', seconds());
    deps.log.info({ syncId: result.syncId, mode, counts: result.counts, seconds: seconds() }, 'sync round done');
    return result;
  } catch (error) {
    deps.metrics.round(mode, 'failed', seconds());
    throw error;
  }
}

async function round(
  deps: RoundDeps,
  mode: 'full' | 'incremental',
  cursors: { users?: string; groups?: string },
): Promise<RoundResult> {
  const full = mode === 'full';
  const syncId = `${full ? 'full' : 'incr'}-${new Date(deps.clock.now()).toISOString()}`;
  const out = new RoundEmitter(deps, syncId, mode);
  await deps.state.beginRound(syncId);
  // An incremental round is marked from its first fact on (so one whose cursor turns out expired
  // leaves no marker behind), and at its end even when it found nothing: the mapper retries
  // refused commands at a round's end.
  if (full) await out.start();

  // Assignments first: membership facts carry the group's current roles.
  const roleOf = roleResolver(await deps.source.appRoles());
  const previous = await deps.state.assignmentSnapshot();
  const current = await confirmedAssignments(deps, previous);
  const groupRoles = groupRolesOf(current.values(), roleOf);

  const usersCursor = await usersRound(deps, out, cursors.users);
  const groupsCursor = await groupsRound(deps, out, cursors.groups, groupRoles);
  await assignmentsRound(deps, out, previous, current, roleOf);

  await out.complete();
  if (!(await deps.state.saveCursors({ users: usersCursor, groups: groupsCursor }, syncId))) {
    deps.log.warn(
      { syncId, mode },
      'the sync state was lost during the round (Redis emptied): the next round is a full sync',
    );
  }
  return { syncId, mode, counts: { ...out.counts } };
}

async function usersRound(deps: RoundDeps, out: RoundEmitter, cursor: string | undefined): Promise<string> {
  let deltaLink: string | undefined;
  for await (const page of deps.source.usersDelta(cursor)) {
    deps.signal?.throwIfAborted();
    const facts: FactBody[] = page.items.map((user) =>
      user.removed
        ? { type: 'user.removed', userId: user.id, removal: user.removed === 'changed' ? 'soft' : 'hard' }
        : { type: 'user.upserted', userId: user.id, attributes: toAttributes(user.attributes), complete: true },
    );
    await out.emit(facts);
    for (const fact of facts) out.count(fact.type === 'user.removed' ? 'usersRemoved' : 'users');
    if (page.deltaLink) deltaLink = page.deltaLink;
  }
  if (!deltaLink) throw noDeltaLink('users');
  return deltaLink;
}

async function groupsRound(
  deps: RoundDeps,
  out: RoundEmitter,
  cursor: string | undefined,
  groupRoles: ReadonlyMap<string, RoleRef[]>,
): Promise<string> {
  const full = out.mode === 'full';
  const rolesOf = (groupId: string) => groupRoles.get(groupId) ?? [];
  const membership = (groupId: string, userIds: readonly string[], change: 'added' | 'removed'): Iterable<FactBody> =>
    lazyMap(userIds, (userId) => ({
      type: 'membership.changed',
      userId,
      groupId,
      change,
      groupRoles: rolesOf(groupId),
    }));

  const seen = new Set<string>();
  let deltaLink: string | undefined;
  for await (const page of deps.source.groupsDelta(cursor)) {
    deps.signal?.throwIfAborted();
    for (const group of page.items) {
      if (group.removed) {
        // A deleted group ends every membership it had.
        const members = await deps.state.groupMembers(group.id);
        await out.emit(membership(group.id, members, 'removed'));
        out.count('memberships', members.length);
        await out.flush();
        await deps.state.dropGroup(group.id);
        seen.delete(group.id);
        out.count('groupsRemoved');
        continue;
      }
      if (!seen.has(group.id)) out.count('groups');
      seen.add(group.id);
      const { added, removed } = userMembers(group);
      await out.emit(membership(group.id, added, 'added'));
      await out.emit(membership(group.id, removed, 'removed'));
      out.count('memberships', added.length + removed.length);
      if (full) await deps.state.stageMembers(out.syncId, group.id, added);
      else {
        await deps.state.addMembers(group.id, added);
        await deps.state.removeMembers(group.id, removed);
      }
    }
    if (page.deltaLink) deltaLink = page.deltaLink;
  }
  if (!deltaLink) throw noDeltaLink('groups');

  if (full) {
    // A full round reads every group afresh: members it no longer lists left, groups it no longer
    // lists were deleted while we were not looking.
    for (const groupId of seen) {
      const stale = await deps.state.staleMembers(out.syncId, groupId);
      await out.emit(membership(groupId, stale, 'removed'));
      out.count('memberships', stale.length);
      await out.flush();
      await deps.state.commitStaged(out.syncId, groupId);
    }
    for (const groupId of await deps.state.knownGroups()) {
      if (seen.has(groupId)) continue;
      const members = await deps.state.groupMembers(groupId);
      await out.emit(membership(groupId, members, 'removed'));
      out.count('memberships', members.length);
      await out.flush();
      await deps.state.dropGroup(groupId);
    }
  }
  return deltaLink;
}

function userMembers(group: GroupDelta): { added: string[]; removed: string[] } {
  const added: string[] = [];
  const removed: string[] = [];
  for (const member of group.members) {
    if (member.kind !== 'user') continue;
    (member.removed ? removed : added).push(member.id);
  }
  return { added, removed };
}

/**
 * The app's assignments, where one absent from a listing counts as removed only when a second
 * listing confirms it gone. A listing of `appRoleAssignedTo` is several pages read one after the
 * other, and Graph promises no consistency across pages: an assignment removed meanwhile can shift
 * the list so that a page skips one still assigned, and taking that skip for a removal would
 * deactivate users who still have access (every member of a skipped group). So when the first
 * listing lacks something the snapshot holds, the assignments are listed once more and the round
 * works on the union of both: only what is absent from both is removed.
 *
 * A second listing in the same round, rather than waiting for a second consecutive absence: a
 * genuine removal (a leaver losing access) is published in this round, not one `SYNC_INTERVAL_MS`
 * later; the extra listing is paid only in rounds that see an absence; and no "missing once" state
 * has to survive a crash or a full sync. The confirmation comes before the groups are read, so
 * this round's membership facts carry a group's roles even when its assignment was the one
 * skipped. An assignment that really goes away between the two listings is removed by the next
 * round, which finds it absent twice.
 */
async function confirmedAssignments(
  deps: RoundDeps,
  previous: ReadonlyMap<string, Assignment>,
): Promise<Map<string, Assignment>> {
  const current = await listPersonAssignments(deps.source, deps.signal);
  let absent = 0;
  for (const id of previous.keys()) if (!current.has(id)) absent++;
  if (absent === 0) return current;
  const again = await listPersonAssignments(deps.source, deps.signal);
  const unconfirmed: string[] = [];
  for (const [id, assignment] of again) {
    if (current.has(id)) continue;
    current.set(id, assignment);
    if (previous.has(id)) unconfirmed.push(id);
  }
  if (unconfirmed.length > 0) {
    deps.log.warn(
      { absent, unconfirmed: unconfirmed.length, assignmentIds: unconfirmed.slice(0, 10) },
      'assignments missing from one listing of appRoleAssignedTo are listed again; not removed',
    );
  }
  return current;
}

/**
 * Publishes what changed in the assignments since the snapshot. Additions are recorded as
 * tentative before they are published: a round that stops half way (a crash, a shutdown) may have
 * published some, and only the next round's removal of any that are gone by then keeps a role the
 * mapper was told about from outliving the assignment. What is tentative is published again as
 * added while it is still there (facts are sets: the mapper takes it twice the same way).
 */
async function assignmentsRound(
  deps: RoundDeps,
  out: RoundEmitter,
  snapshot: ReadonlyMap<string, SnapshotAssignment>,
  current: ReadonlyMap<string, Assignment>,
  roleOf: (appRoleId: string) => RoleRef,
): Promise<void> {
  const confirmed = new Map([...snapshot].filter(([, a]) => a.tentative !== true));
  const diff = diffAssignments(confirmed, current);
  const tentativeGone = [...snapshot.values()].filter(
    (a) => a.tentative === true && current.get(a.id)?.appRoleId !== a.appRoleId,
  );
  const removed = [...diff.removed, ...tentativeGone];
  // A full round restates every assignment; an incremental one only what changed. Additions go
  // first so a role swapped by remove + add never leaves the user without a role in between.
  const toAdd = out.mode === 'full' ? [...current.values()] : diff.added;
  await deps.state.recordTentativeAssignments(diff.added);
  for (const assignment of toAdd) await fanOut(deps, out, assignment, 'added', roleOf);
  for (const assignment of removed) await fanOut(deps, out, assignment, 'removed', roleOf);
  await out.flush();
  await deps.state.updateAssignmentSnapshot(
    diff.added,
    removed.filter((a) => !current.has(a.id)).map((a) => a.id),
  );
}

/** A user's assignment is one fact; a group's is one fact per direct member (nested groups not expanded). */
async function fanOut(
  deps: RoundDeps,
  out: RoundEmitter,
  assignment: Assignment,
  change: 'added' | 'removed',
  roleOf: (appRoleId: string) => RoleRef,
): Promise<void> {
  const userIds =
    assignment.principalType === 'User'
      ? [assignment.principalId]
      : await deps.state.groupMembers(assignment.principalId);
  const role = roleOf(assignment.appRoleId);
  const principalType = assignment.principalType === 'User' ? 'User' : 'Group';
  await out.emit(
    lazyMap(userIds, (userId) => ({
      type: 'assignment.changed',
      userId,
      assignmentId: assignment.id,
      principalType,
      principalId: assignment.principalId,
      role,
      change,
    })),
  );
  out.count('assignments', userIds.length);
}

/** Facts made one at a time as they are published, so a 100,000-member group never exists as 100,000 facts at once. */
function* lazyMap<T>(items: readonly T[], make: (item: T) => FactBody): Iterable<FactBody> {
  for (const item of items) yield make(item);
}

function noDeltaLink(kind: string): ProvisionError {
  return new ProvisionError('PRV_GRAPH_REQUEST_FAILED', `The ${kind} delta round ended without a deltaLink.`);
}
