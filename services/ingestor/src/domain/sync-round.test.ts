import { ProvisionError } from '@provision/errors';
import { DirectoryEventV1 } from '@provision/events';
import { ManualClock } from '@provision/ports/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeDirectory } from '../testing/fake-directory.ts';
import { MemorySink, MemorySyncState, RecordingMetrics, sequentialIds } from '../testing/fakes.ts';
import { silentLog } from './log.ts';
import { type RoundDeps, runSyncRound } from './sync-round.ts';

const ROLE_STD = 'role-standard';
const ROLE_ADMIN = 'role-admin';
const DEFAULT_ACCESS = '00000000-0000-0000-0000-000000000000';

let directory: FakeDirectory;
let state: MemorySyncState;
let sink: MemorySink;
let clock: ManualClock;
let metrics: RecordingMetrics;
let deps: RoundDeps;

beforeEach(() => {
  directory = new FakeDirectory();
  directory.roles = [
    { id: ROLE_STD, value: 'Standard User' },
    { id: ROLE_ADMIN, value: 'System Administrator' },
  ];
  state = new MemorySyncState();
  sink = new MemorySink(3);
  clock = new ManualClock(Date.parse('2026-11-26T11:00:00.000Z'));
  metrics = new RecordingMetrics();
  deps = { source: directory, state, sink, clock, ids: sequentialIds(), metrics, log: silentLog };
});

/** Runs a round a minute after the previous one and returns only what it published. */
async function round(options: { full?: boolean } = {}) {
  clock.advance(60_000);
  sink.clear();
  return runSyncRound(deps, options);
}

function summary() {
  return sink.facts().map((e) => {
    switch (e.type) {
      case 'user.upserted':
        return `upsert ${e.userId}`;
      case 'user.removed':
        return `removed ${e.userId} ${e.removal}`;
      case 'membership.changed':
        return `member ${e.change} ${e.userId} ${e.groupId} [${e.groupRoles.map((r) => r.roleValue).join(',')}]`;
      default:
        return `assign ${e.change} ${e.userId} via ${e.principalType} ${e.principalId} ${e.role.roleValue}`;
    }
  });
}

/** Runs a round that dies right after publishing its facts, before it records the assignment snapshot. */
async function crashAfterPublishing() {
  const update = state.updateAssignmentSnapshot.bind(state);
  state.updateAssignmentSnapshot = async () => {
    state.updateAssignmentSnapshot = update;
    throw new Error('killed');
  };
  await expect(round()).rejects.toThrow('killed');
}

function seed() {
  directory.upsertUser('u1', { displayName: 'Adele', accountEnabled: true });
  directory.upsertUser('u2', { displayName: 'Ben', accountEnabled: true });
  directory.upsertUser('u3', { displayName: 'Chen', accountEnabled: false });
  directory.createGroup('g1', ['u1', 'u2']);
  directory.createGroup('g2', ['u3']);
  directory.assign('a1', 'User', 'u3', ROLE_ADMIN);
  directory.assign('a2', 'Group', 'g1', ROLE_STD);
  directory.assign('a3', 'ServicePrincipal', 'sp1', ROLE_STD);
}

describe('a full sync', () => {
  it('publishes every user, membership and assignment between start and completed markers on every partition', async () => {
    seed();
    const result = await round();

    expect(result.mode).toBe('full');
    expect(result.syncId).toMatch(/^full-/);
    const started = sink.events.slice(0, 3);
    const completed = sink.events.slice(-3);
    expect(started.every((e) => e.type === 'sync.started' && e.syncId === result.syncId && e.mode === 'full')).toBe(
      true,
    );
    expect(completed.every((e) => e.type === 'sync.completed' && e.syncId === result.syncId)).toBe(true);
    expect(summary()).toEqual([
      'upsert u1',
      'upsert u2',
      'upsert u3',
      'member added u1 g1 [Standard User]',
      'member added u2 g1 [Standard User]',
      'member added u3 g2 []',
      'assign added u3 via User u3 System Administrator',
      'assign added u1 via Group g1 Standard User',
      'assign added u2 via Group g1 Standard User',
    ]);
    expect(completed[0]).toMatchObject({ counts: { users: 3, groups: 2, memberships: 3, assignments: 3 } });
  });

  it('publishes only events that match the topic schema, every fact under the round sync id', async () => {
    seed();
    const { syncId } = await round();
    for (const event of sink.events) {
      expect(DirectoryEventV1.safeParse(event).success).toBe(true);
      expect(event.syncId).toBe(syncId);
    }
  });

  it('carries user attributes as Graph returns them, with extension attributes flattened', async () => {
    directory.upsertUser('u1', {
      displayName: 'Adele',
      businessPhones: ['+1 425'],
      onPremisesExtensionAttributes: { extensionAttribute1: 'CC-1', extensionAttribute2: null },
      manager: { id: 'm' },
    });
    await round();
    expect(sink.facts()[0]).toMatchObject({
      type: 'user.upserted',
      complete: true,
      attributes: {
        displayName: 'Adele',
        businessPhones: ['+1 425'],
        extensionAttribute1: 'CC-1',
        extensionAttribute2: null,
      },
    });
    expect(sink.facts()[0]).not.toHaveProperty('attributes.manager');
  });

  it('stores both cursors only once the round is published', async () => {
    seed();
    state.failNextSave(new Error('redis down'));
    await expect(round()).rejects.toThrow('redis down');
    expect(state.cursorMap).toEqual({});
    await round();
    expect(state.cursorMap.users).toMatch(/^users:/);
    expect(state.cursorMap.groups).toMatch(/^groups:/);
  });

  it('stores no cursors when the state was lost during the round (Redis flushed), so the next round is a full sync', async () => {
    seed();
    await round();
    const listed = directory.assignments.bind(directory);
    directory.assignments = () => {
      directory.assignments = listed;
      state.flush();
      return listed();
    };
    const flushed = await round();
    expect(flushed.mode).toBe('incremental');
    expect(state.cursorMap).toEqual({});
    const next = await round();
    expect(next.mode).toBe('full');
    expect(state.cursorMap.users).toMatch(/^users:/);
  });

  it('does not store cursors when publishing fails, so the next round starts over as a full sync', async () => {
    seed();
    sink.failAfter(2);
    await expect(round()).rejects.toThrow('broker unavailable');
    expect(state.cursorMap).toEqual({});
    expect(metrics.rounds).toEqual([{ mode: 'full', outcome: 'failed' }]);
    const again = await round();
    expect(again.mode).toBe('full');
  });

  it('fans a group assignment out to direct members only, not nested groups', async () => {
    directory.upsertUser('u1', {});
    directory.createGroup('parent', ['u1']);
    directory.createGroup('child', []);
    directory.addMember('parent', 'child', 'group');
    directory.upsertUser('u9', {});
    directory.addMember('child', 'u9');
    directory.assign('a1', 'Group', 'parent', ROLE_STD);
    await round();
    const assignments = summary().filter((s) => s.startsWith('assign'));
    expect(assignments).toEqual(['assign added u1 via Group parent Standard User']);
  });

  it('treats Default Access as a role without a value', async () => {
    directory.upsertUser('u1', {});
    directory.assign('a1', 'User', 'u1', DEFAULT_ACCESS);
    await round();
    expect(sink.facts().find((e) => e.type === 'assignment.changed')).toMatchObject({
      role: { appRoleId: DEFAULT_ACCESS, roleValue: null },
    });
  });
});

describe('an incremental round', () => {
  beforeEach(async () => {
    seed();
    await round();
  });

  it('publishes only its markers, in every partition, when nothing changed', async () => {
    const result = await round();
    expect(result.mode).toBe('incremental');
    expect(sink.facts()).toEqual([]);
    expect(sink.markers().map((m) => `${m.type} ${m.mode}`)).toEqual([
      ...Array(3).fill('sync.started incremental'),
      ...Array(3).fill('sync.completed incremental'),
    ]);
  });

  it('publishes a changed user with all its attributes, between incremental markers', async () => {
    directory.upsertUser('u1', { displayName: 'Adele Vance' });
    const result = await round();
    expect(result.syncId).toMatch(/^incr-/);
    expect(summary()).toEqual(['upsert u1']);
    expect(sink.facts()[0]).toMatchObject({ attributes: { displayName: 'Adele Vance', accountEnabled: true } });
    expect(sink.markers().map((m) => `${m.type} ${m.mode}`)).toEqual([
      ...Array(3).fill('sync.started incremental'),
      ...Array(3).fill('sync.completed incremental'),
    ]);
  });

  it('maps a soft delete to removal soft and a permanent delete to removal hard', async () => {
    directory.deleteUser('u1', 'soft');
    directory.deleteUser('u2', 'hard');
    await round();
    expect(summary()).toEqual(['removed u1 soft', 'removed u2 hard']);
  });

  it('publishes membership changes per member with the group roles', async () => {
    directory.upsertUser('u4', {});
    directory.addMember('g1', 'u4');
    directory.removeMember('g1', 'u1');
    await round();
    expect(summary()).toEqual([
      'upsert u4',
      'member added u4 g1 [Standard User]',
      'member removed u1 g1 [Standard User]',
    ]);
    expect(await state.groupMembers('g1')).toEqual(['u2', 'u4']);
  });

  it('removes every member of a deleted group', async () => {
    directory.deleteGroup('g1');
    await round();
    expect(summary()).toEqual(['member removed u1 g1 [Standard User]', 'member removed u2 g1 [Standard User]']);
    expect(await state.knownGroups()).toEqual(['g2']);
  });

  it('fans a new group assignment out to the current members, and its removal too', async () => {
    directory.assign('a4', 'Group', 'g2', ROLE_ADMIN);
    await round();
    expect(summary()).toEqual(['assign added u3 via Group g2 System Administrator']);

    directory.unassign('a2');
    await round();
    expect(summary()).toEqual([
      'assign removed u1 via Group g1 Standard User',
      'assign removed u2 via Group g1 Standard User',
    ]);
  });

  it('does not remove a group assignment that one listing of the assignments skipped', async () => {
    directory.upsertUser('u4', {});
    directory.addMember('g1', 'u4');
    directory.skipInNextListing(['a2']);
    const listingsBefore = directory.calls.filter((c) => c === 'assignments').length;
    await round();
    // The absence made the round list again; a2 is there, so nothing is removed, and the newcomer's
    // membership still carries g1's role.
    expect(directory.calls.filter((c) => c === 'assignments').length - listingsBefore).toBe(2);
    expect(summary()).toEqual(['upsert u4', 'member added u4 g1 [Standard User]']);
    expect([...state.snapshot.keys()].sort()).toEqual(['a1', 'a2']);
    await round();
    expect(summary()).toEqual([]);
  });

  it('removes an assignment absent from two listings in the same round, and lists once when nothing is absent', async () => {
    let listings = directory.calls.filter((c) => c === 'assignments').length;
    const newListings = () => {
      const now = directory.calls.filter((c) => c === 'assignments').length;
      const count = now - listings;
      listings = now;
      return count;
    };
    directory.assign('a7', 'User', 'u1', ROLE_ADMIN);
    await round();
    expect(newListings()).toBe(1);
    expect(summary()).toEqual(['assign added u1 via User u1 System Administrator']);

    directory.unassign('a2');
    await round();
    expect(newListings()).toBe(2);
    expect(summary()).toEqual([
      'assign removed u1 via Group g1 Standard User',
      'assign removed u2 via Group g1 Standard User',
    ]);
    expect(state.snapshot.has('a2')).toBe(false);
  });

  it('removes a skipped assignment only once two listings agree it is gone', async () => {
    // Skipped by both listings of a round (which a real paging skip would hardly do twice): that is
    // a confirmed removal; the next round, seeing it again, adds it back.
    directory.skipInNextListing(['a1'], 2);
    await round();
    expect(summary()).toEqual(['assign removed u3 via User u3 System Administrator']);
    await round();
    expect(summary()).toEqual(['assign added u3 via User u3 System Administrator']);
  });

  it('publishes the removal of an assignment whose addition a round published before it crashed', async () => {
    directory.assign('a9', 'User', 'u1', ROLE_ADMIN);
    await crashAfterPublishing();
    expect(summary()).toContain('assign added u1 via User u1 System Administrator');
    // Gone before the next round: the mapper was told of it, so it must be told it went.
    directory.unassign('a9');
    await round();
    expect(summary()).toEqual(['assign removed u1 via User u1 System Administrator']);
    await round();
    expect(summary()).toEqual([]);
  });

  it('publishes again an addition a crashed round may not have published, once it stands', async () => {
    directory.assign('a9', 'User', 'u1', ROLE_ADMIN);
    await crashAfterPublishing();
    await round();
    expect(summary()).toEqual(['assign added u1 via User u1 System Administrator']);
    await round();
    expect(summary()).toEqual([]);
  });

  it('publishes a role swap as the new assignment first, then the old one removed', async () => {
    directory.unassign('a1');
    directory.assign('a5', 'User', 'u3', ROLE_STD);
    await round();
    expect(summary()).toEqual([
      'assign added u3 via User u3 Standard User',
      'assign removed u3 via User u3 System Administrator',
    ]);
    expect([...state.snapshot.keys()].sort()).toEqual(['a2', 'a5']);
  });

  it('gives a member who joins in the same round as the group assignment both facts', async () => {
    directory.upsertUser('u5', {});
    directory.addMember('g2', 'u5');
    directory.assign('a6', 'Group', 'g2', ROLE_STD);
    await round();
    expect(summary()).toEqual([
      'upsert u5',
      'member added u5 g2 [Standard User]',
      'assign added u3 via Group g2 Standard User',
      'assign added u5 via Group g2 Standard User',
    ]);
  });

  it('runs a full resync under a new sync id when a cursor has expired', async () => {
    directory.expireCursors();
    directory.upsertUser('u1', { displayName: 'Changed' });
    const result = await round();
    expect(result.mode).toBe('full');
    expect(sink.markers()[0]).toMatchObject({ type: 'sync.started', mode: 'full', syncId: result.syncId });
    expect(summary().filter((s) => s.startsWith('upsert'))).toEqual(['upsert u1', 'upsert u2', 'upsert u3']);
    expect(metrics.rounds.at(-1)).toEqual({ mode: 'full', outcome: 'ok' });
    // The new cursors work again.
    expect((await round()).mode).toBe('incremental');
  });

  it('reconciles memberships and groups that vanished while the cursor was out of date', async () => {
    directory.expireCursors();
    directory.removeMember('g1', 'u2');
    directory.deleteGroup('g2');
    await round();
    const removals = summary().filter((s) => s.startsWith('member removed'));
    expect(removals).toEqual(['member removed u2 g1 [Standard User]', 'member removed u3 g2 []']);
    expect(await state.groupMembers('g1')).toEqual(['u1']);
    expect(await state.knownGroups()).toEqual(['g1']);
  });

  it('keeps a deleted group and the assignment snapshot until their facts are published', async () => {
    directory.deleteGroup('g1');
    directory.unassign('a1');
    sink.failAfter(1); // the started marker goes out, the facts do not
    await expect(round()).rejects.toThrow('broker unavailable');
    expect(await state.groupMembers('g1')).toEqual(['u1', 'u2']);
    expect(state.snapshot.has('a1')).toBe(true);
    await round();
    expect(summary()).toEqual([
      'member removed u1 g1 [Standard User]',
      'member removed u2 g1 [Standard User]',
      'assign removed u3 via User u3 System Administrator',
    ]);
  });

  it('publishes a big round in few producer calls', async () => {
    for (let i = 0; i < 1200; i++) directory.assign(`d${i}`, 'User', 'u1', ROLE_STD);
    let calls = 0;
    const publish = sink.publish.bind(sink);
    sink.publish = async (events) => {
      calls++;
      return publish(events);
    };
    await round();
    expect(sink.facts()).toHaveLength(1200);
    expect(calls).toBe(3);
  });

  it('reports a Graph failure without touching the cursors', async () => {
    const before = { ...state.cursorMap };
    directory.failNext('groupsDelta', new ProvisionError('PRV_GRAPH_REQUEST_FAILED', 'Graph 503'));
    await expect(round()).rejects.toThrow('Graph 503');
    expect(state.cursorMap).toEqual(before);
  });
});
