import { isProvisionError } from '@provision/errors';
import { type GraphSim, startGraphSim } from '@provision/graph-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGraphClient, type DeltaPage, GraphDirectoryReader, type UserChange } from '../src/index.ts';

async function collect<T>(
  pages: AsyncIterable<DeltaPage<T>>,
): Promise<{ changes: T[]; cursor: string; pages: number }> {
  const changes: T[] = [];
  let cursor: string | undefined;
  let count = 0;
  for await (const page of pages) {
    count++;
    changes.push(...page.changes);
    if (page.cursor) cursor = page.cursor;
  }
  if (!cursor) throw new Error('round ended without a cursor');
  return { changes, cursor, pages: count };
}

describe('GraphDirectoryReader against graph-sim over HTTPS', () => {
  let sim: GraphSim;
  let reader: GraphDirectoryReader;

  beforeAll(async () => {
    sim = await startGraphSim({ users: 1000, groups: 10, seed: 7 });
    reader = new GraphDirectoryReader(createGraphClient({ ...sim, graphUrl: sim.url }));
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('a later round returns exactly the changes since the full round: 10 updates, 1 soft delete, 1 restore', async () => {
    const full = await collect(reader.users());
    expect(full.pages).toBe(5);
    const ids = full.changes.map((change) => change.id);
    expect(new Set(ids).size).toBe(1000);
    expect(full.changes.every((change) => change.kind === 'upsert')).toBe(true);
    const first = full.changes[0] as Extract<UserChange, { kind: 'upsert' }>;
    expect(first.user.userPrincipalName).toMatch(/@contoso\.onmicrosoft\.com$/);
    expect(first.user.onPremisesExtensionAttributes).toHaveProperty('extensionAttribute15', null);

    const changed = ids.slice(100, 110);
    for (const id of changed) sim.admin.updateUser(id, { jobTitle: `Title of ${id}` });
    const [deleted, restored] = [ids[500] as string, ids[501] as string];
    sim.admin.softDelete('user', deleted);
    sim.admin.softDelete('user', restored);
    sim.admin.restore(restored);

    const next = await collect(reader.users({ cursor: full.cursor }));
    expect(next.changes).toHaveLength(12);
    const byId = new Map(next.changes.map((change) => [change.id, change]));
    expect(byId.size).toBe(12);
    for (const id of changed) {
      expect(byId.get(id)).toMatchObject({ kind: 'upsert', user: { id, jobTitle: `Title of ${id}` } });
    }
    expect(byId.get(deleted)).toEqual({ kind: 'removed', id: deleted, reason: 'changed' });
    expect(byId.get(restored)).toMatchObject({
      kind: 'upsert',
      user: { id: restored, accountEnabled: expect.any(Boolean) },
    });

    const quiet = await collect(reader.users({ cursor: next.cursor }));
    expect(quiet.changes).toEqual([]);
  });

  it('reports a permanent deletion with reason deleted, and only changed properties when minimal', async () => {
    const start = await reader.latestCursor('users');
    const [a, b] = [...sim.tenant.users.active()].slice(0, 2).map((user) => user.id) as [string, string];
    sim.admin.hardDelete('user', a);
    sim.admin.updateUser(b, { department: 'Legal', mobilePhone: null });
    const round = await collect(reader.users({ cursor: start, minimal: true }));
    expect(round.changes).toEqual([
      { kind: 'removed', id: a, reason: 'deleted' },
      { kind: 'upsert', id: b, user: { id: b, department: 'Legal', mobilePhone: null } },
    ]);
  });

  it('ignores changes to properties that are not selected', async () => {
    const start = await collect(reader.users({ select: ['id', 'displayName'] }));
    const id = [...sim.tenant.users.active()][3]?.id as string;
    sim.admin.updateUser(id, { city: 'Lisbon' });
    expect((await collect(reader.users({ cursor: start.cursor }))).changes).toEqual([]);
    sim.admin.updateUser(id, { displayName: 'Renamed Person' });
    expect((await collect(reader.users({ cursor: start.cursor }))).changes).toEqual([
      { kind: 'upsert', id, user: { id, displayName: 'Renamed Person' } },
    ]);
  });

  it('turns an expired cursor into PRV_GRAPH_DELTA_EXPIRED', async () => {
    const cursor = await reader.latestCursor('users');
    sim.admin.expireDeltaTokens();
    const error = await collect(reader.users({ cursor })).catch((e: unknown) => e);
    expect(isProvisionError(error) && error.code).toBe('PRV_GRAPH_DELTA_EXPIRED');
    const forged = cursor.replace(/\$deltatoken=.*/, '$deltatoken=not-a-token');
    const error2 = await collect(reader.users({ cursor: forged })).catch((e: unknown) => e);
    expect(isProvisionError(error2) && error2.code).toBe('PRV_GRAPH_DELTA_EXPIRED');
  });

  it('treats a synchronization reset (410 Gone) as an expired cursor', async () => {
    const cursor = await reader.latestCursor('groups');
    sim.admin.injectFault({ kind: 'deltaReset', count: 1 });
    const error = await collect(reader.groups({ cursor })).catch((e: unknown) => e);
    expect(isProvisionError(error) && error.code).toBe('PRV_GRAPH_DELTA_EXPIRED');
  });

  it('reads groups with members, then only membership changes', async () => {
    const full = await collect(reader.groups());
    expect(full.changes).toHaveLength(10);
    const group = full.changes.find((change) => change.kind === 'upsert' && change.membersAdded.length > 1);
    if (group?.kind !== 'upsert') throw new Error('expected a group with members');
    const leaving = group.membersAdded[0]?.id as string;
    const joining = [...sim.tenant.users.active()].find((user) => !group.membersAdded.some((m) => m.id === user.id))
      ?.id as string;
    sim.admin.removeMember(group.id, leaving);
    sim.admin.addMember(group.id, joining);
    const next = await collect(reader.groups({ cursor: full.cursor }));
    expect(next.changes).toHaveLength(1);
    expect(next.changes[0]).toMatchObject({
      kind: 'upsert',
      id: group.id,
      membersAdded: [{ id: joining, type: 'user' }],
      membersRemoved: [{ id: leaving, type: 'user' }],
    });
  });

  it('reports a deleted security group as deleted and a deleted Microsoft 365 group as changed', async () => {
    const start = await reader.latestCursor('groups');
    const unified = sim.admin.createGroup({
      displayName: 'Sales Team Site',
      groupTypes: ['Unified'],
      mailEnabled: true,
    });
    const security = sim.admin.createGroup({ displayName: 'sg-Temp', groupTypes: [] });
    const middle = await collect(reader.groups({ cursor: start }));
    expect(middle.changes.map((c) => c.id).sort()).toEqual([unified['id'], security['id']].sort());
    sim.admin.softDelete('group', String(unified['id']));
    sim.admin.softDelete('group', String(security['id']));
    const after = await collect(reader.groups({ cursor: middle.cursor }));
    expect(after.changes).toEqual([
      { kind: 'removed', id: unified['id'], reason: 'changed' },
      { kind: 'removed', id: security['id'], reason: 'deleted' },
    ]);
  });
});
