import { ManualClock } from '@provision/ports/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeDirectory } from '../testing/fake-directory.ts';
import { MemorySink, MemorySyncState, RecordingMetrics, sequentialIds } from '../testing/fakes.ts';
import { silentLog } from './log.ts';
import { provisionOnDemand } from './on-demand.ts';
import type { RoundDeps } from './sync-round.ts';

let directory: FakeDirectory;
let sink: MemorySink;
let deps: RoundDeps;

beforeEach(() => {
  directory = new FakeDirectory();
  directory.roles = [{ id: 'r1', value: 'Standard User' }];
  sink = new MemorySink();
  deps = {
    source: directory,
    state: new MemorySyncState(),
    sink,
    clock: new ManualClock(Date.parse('2026-11-26T11:00:00.000Z')),
    ids: sequentialIds(),
    metrics: new RecordingMetrics(),
    log: silentLog,
  };
});

describe('provisionOnDemand', () => {
  it('publishes the user, its memberships and the assignments reaching it, without markers', async () => {
    directory.upsertUser('u1', { displayName: 'Adele' });
    directory.upsertUser('u2', { displayName: 'Ben' });
    directory.createGroup('g1', ['u1', 'u2']);
    directory.createGroup('g2', ['u2']);
    directory.assign('a1', 'Group', 'g1', 'r1');
    directory.assign('a2', 'User', 'u1', 'r1');
    directory.assign('a3', 'User', 'u2', 'r1');
    directory.assign('a4', 'Group', 'g2', 'r1');

    const result = await provisionOnDemand(deps, 'u1');

    expect(result.syncId).toBe('on-demand-2026-11-26T11:00:00.000Z');
    expect(sink.markers()).toEqual([]);
    expect(sink.events.map((e) => e.type)).toEqual([
      'user.upserted',
      'membership.changed',
      'assignment.changed',
      'assignment.changed',
    ]);
    expect(sink.events.every((e) => 'userId' in e && e.userId === 'u1' && e.syncId === result.syncId)).toBe(true);
    expect(sink.events[1]).toMatchObject({
      groupId: 'g1',
      change: 'added',
      groupRoles: [{ roleValue: 'Standard User' }],
    });
    expect(result.published).toEqual({ 'user.upserted': 1, 'membership.changed': 1, 'assignment.changed': 2 });
  });

  it('publishes the removal of a user in deleted items; one Entra does not know at all only when asked', async () => {
    const by = { kind: 'user' as const, id: 'admin-1', name: 'Ada Admin' };
    await expect(provisionOnDemand(deps, 'nobody', by)).rejects.toMatchObject({
      code: 'PRV_NOT_FOUND',
      message: expect.stringContaining('provision reconcile'),
    });
    expect(sink.events).toEqual([]);
    directory.upsertUser('u1', { displayName: 'Adele' });
    directory.deleteUser('u1', 'soft');
    const soft = await provisionOnDemand(deps, 'u1', by);
    expect(soft).toMatchObject({ userId: 'u1', removed: 'soft', published: { 'user.removed': 1 } });
    expect(sink.events).toMatchObject([
      { type: 'user.removed', userId: 'u1', removal: 'soft', syncId: soft.syncId, initiatedBy: by },
    ]);
    expect(sink.markers()).toEqual([]);
    directory.upsertUser('u2', { displayName: 'Bea' });
    directory.deleteUser('u2', 'hard');
    await expect(provisionOnDemand(deps, 'u2')).rejects.toMatchObject({ code: 'PRV_NOT_FOUND' });
    expect(sink.events).toHaveLength(1);
    // What reconcile asks for a Salesforce user still linked to it: the removal, hard.
    const hard = await provisionOnDemand(deps, 'u2', by, { deprovisionIfGone: true });
    expect(hard).toMatchObject({ removed: 'hard', published: { 'user.removed': 1 } });
    expect(sink.events.at(-1)).toMatchObject({ type: 'user.removed', userId: 'u2', removal: 'hard', initiatedBy: by });
  });
});
