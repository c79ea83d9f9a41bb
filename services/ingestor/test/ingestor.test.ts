import type { DirectoryEventV1 } from '@provision/events';
import { partitionOf } from '@provision/kafka';
import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { type Harness, PARTITIONS, startHarness } from './harness.ts';

/** What the simulated tenant holds, as the facts a full sync must publish. */
function expectedFacts(h: Harness) {
  const { tenant } = h.sim;
  const users = [...tenant.users.active()].map((u) => u.id).sort();
  const activeUsers = new Set(users);
  const memberships: string[] = [];
  const membersOf = new Map<string, string[]>();
  for (const group of tenant.groups.active()) {
    const members = [...(group.members ?? [])].filter((id) => activeUsers.has(id));
    membersOf.set(group.id, members);
    for (const userId of members) memberships.push(`${userId} ${group.id}`);
  }
  const assignments: string[] = [];
  for (const a of tenant.visibleAssignments()) {
    const reached = a.principalType === 'User' ? [a.principalId] : (membersOf.get(a.principalId) ?? []);
    for (const userId of reached) assignments.push(`${userId} ${a.id} ${a.principalType} ${a.appRoleId}`);
  }
  return { users, memberships: memberships.sort(), assignments: assignments.sort() };
}

function publishedFacts(facts: readonly { event: DirectoryEventV1 }[]) {
  const events = facts.map((f) => f.event);
  return {
    users: events.flatMap((e) => (e.type === 'user.upserted' ? [e.userId] : [])).sort(),
    memberships: events
      .flatMap((e) => (e.type === 'membership.changed' && e.change === 'added' ? [`${e.userId} ${e.groupId}`] : []))
      .sort(),
    assignments: events
      .flatMap((e) =>
        e.type === 'assignment.changed' && e.change === 'added'
          ? [`${e.userId} ${e.assignmentId} ${e.principalType} ${e.role.appRoleId}`]
          : [],
      )
      .sort(),
  };
}

describe('ingestor against graph-sim, Kafka and Redis', () => {
  test('a full sync on first start publishes exactly the tenant, keyed by user, between markers on every partition', async ({
    kafka,
    redis,
  }) => {
    const h = await startHarness({ kafka, redis }, { users: 40, seed: 11 });
    try {
      const syncId = await h.roundCompleted('full');
      const facts = h.facts(syncId);
      const expected = expectedFacts(h);
      expect(expected.users).toHaveLength(40);
      expect(expected.assignments.length).toBeGreaterThan(0);
      expect(publishedFacts(facts)).toEqual(expected);
      // Every fact is keyed by its user, so it lands in that user's partition.
      for (const { event, key, partition } of facts) {
        expect(key).toBe((event as { userId: string }).userId);
        expect(partition).toBe(partitionOf(key, PARTITIONS));
      }
      // In each partition: started first, completed after that partition's facts.
      for (let p = 0; p < PARTITIONS; p++) {
        const inPartition = h.received.filter((r) => r.partition === p && r.event.syncId === syncId);
        expect(inPartition[0]?.event.type).toBe('sync.started');
        expect(inPartition.at(-1)?.event).toMatchObject({ type: 'sync.completed', mode: 'full' });
        expect(inPartition.filter((r) => r.event.type.startsWith('sync.'))).toHaveLength(2);
      }
      const completed = h.received.find((r) => r.event.type === 'sync.completed')?.event;
      expect(completed).toMatchObject({ counts: { users: 40, assignments: expected.assignments.length } });
    } finally {
      await h.close();
    }
  });

  test('a change made in the tenant reaches the topic through a change notification, without waiting for the poll', async ({
    kafka,
    redis,
  }) => {
    const h = await startHarness({ kafka, redis }, { users: 12, seed: 5, syncIntervalMs: 3_600_000 });
    try {
      const full = await h.roundCompleted('full');
      const subscriptions = await waitFor(() => (h.sim.admin.state()['subscriptions'] ?? 0) >= 2 && true);
      expect(subscriptions).toBe(true);

      const [user] = [...h.sim.tenant.users.active()];
      h.sim.admin.updateUser(user!.id, { displayName: 'Renamed By Notification', department: 'Finance' });
      const round = await h.roundWith((e) => e.type === 'user.upserted' && e.userId === user!.id && e.syncId !== full);
      expect(h.facts(round).map((f) => f.event)).toEqual([
        expect.objectContaining({
          type: 'user.upserted',
          userId: user!.id,
          complete: true,
          attributes: expect.objectContaining({ displayName: 'Renamed By Notification', department: 'Finance' }),
        }),
      ]);
      const notified = h.sim.admin.deliveries().filter((d) => d.kind === 'notification' && d.status === 202);
      expect(notified.length).toBeGreaterThan(0);

      // A group's new assignment is fanned out to its members (assignments are re-read every round)…
      const members = [...h.sim.tenant.users.active()]
        .slice(0, 3)
        .map((u) => u.id)
        .sort();
      const group = h.sim.admin.createGroup({ displayName: 'sg-notified' }, members) as { id: string };
      await waitFor(
        () =>
          h.received.filter((r) => r.event.type === 'membership.changed' && r.event.groupId === group.id).length === 3,
      );
      const assignment = h.sim.admin.assign(group.id, 'Read Only');
      h.sim.admin.updateGroup(group.id, { description: 'now assigned' });
      const fanned = await waitFor(() => {
        const list = h.received.filter(
          (r) => r.event.type === 'assignment.changed' && r.event.assignmentId === assignment.id,
        );
        return list.length >= members.length ? list : undefined;
      });
      expect(fanned.map((r) => r.key).sort()).toEqual(members);
      expect(fanned.every((r) => r.event.type === 'assignment.changed' && r.event.principalType === 'Group')).toBe(
        true,
      );

      // …and a member who joins later learns the group's roles from its membership fact.
      const newcomer = String(h.sim.admin.createUser({ mailNickname: 'newcomer', displayName: 'New Comer' })['id']);
      h.sim.admin.addMember(group.id, newcomer);
      const joined = await waitFor(() =>
        h.received.find((r) => r.event.type === 'membership.changed' && r.event.userId === newcomer),
      );
      expect(joined.event).toMatchObject({
        groupId: group.id,
        change: 'added',
        groupRoles: [expect.objectContaining({ appRoleId: assignment.appRoleId, roleValue: 'Read Only' })],
      });
    } finally {
      await h.close();
    }
  });

  test('an assignment-only change reaches the topic within seconds through the assignments poll, with no notification and a poll interval of an hour', async ({
    kafka,
    redis,
  }) => {
    const h = await startHarness(
      { kafka, redis },
      { users: 8, seed: 31, syncIntervalMs: 3_600_000, assignmentPollIntervalMs: 250 },
    );
    try {
      const full = await h.roundCompleted('full');
      const assigned = new Set([...h.sim.tenant.visibleAssignments()].map((a) => a.principalId));
      const user = [...h.sim.tenant.users.active()].find((u) => !assigned.has(u.id));
      expect(user).toBeDefined();
      const deliveriesBefore = h.sim.admin.deliveries().length;

      // Through the simulator's admin API over HTTP, as an admin's portal change would come.
      const response = await fetch(`${h.sim.url}/__admin/assignments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ principalId: user!.id, role: 'Standard User' }),
      });
      expect(response.status).toBe(201);
      const assignment = (await response.json()) as { id: string; appRoleId: string };
      const fact = await waitFor(
        () => h.received.find((r) => r.event.type === 'assignment.changed' && r.event.assignmentId === assignment.id),
        { timeout: 5_000, message: 'the new assignment on the topic' },
      );
      expect(fact.event).toMatchObject({
        type: 'assignment.changed',
        userId: user!.id,
        principalType: 'User',
        change: 'added',
        role: { appRoleId: assignment.appRoleId, roleValue: 'Standard User' },
      });
      expect(fact.event.syncId).toMatch(/^incr-/);
      expect(fact.event.syncId).not.toBe(full);
      // Graph sent nothing about it: the poll alone found it.
      expect(h.sim.admin.deliveries().length).toBe(deliveriesBefore);
    } finally {
      await h.close();
    }
  });

  test('a subscription Graph removed is recreated and notifications flow again', async ({ kafka, redis }) => {
    const h = await startHarness({ kafka, redis }, { users: 6, seed: 21 });
    const client = new Redis(redis.url);
    try {
      await h.roundCompleted('full');
      const stored = () => client.hgetall(`${redis.prefix}ingestor:subscriptions`);
      const before = await waitFor(async () => {
        const ids = await stored();
        return ids['users'] && ids['groups'] ? ids : undefined;
      });
      h.sim.admin.lifecycle(before['users']!, 'subscriptionRemoved');
      const after = await waitFor(async () => {
        const ids = await stored();
        return ids['users'] !== before['users'] ? ids : undefined;
      });
      expect(after['groups']).toBe(before['groups']);
      expect(h.sim.admin.state()['subscriptions']).toBe(2);

      const [user] = [...h.sim.tenant.users.active()];
      h.sim.admin.updateUser(user!.id, { displayName: 'Still Notified' });
      const round = await h.roundWith(
        (e) => e.type === 'user.upserted' && e.attributes['displayName'] === 'Still Notified',
      );
      expect(round).toMatch(/^incr-/);
    } finally {
      client.disconnect();
      await h.close();
    }
  });

  test('an expired delta cursor triggers a full resync under a new sync id', async ({ kafka, redis }) => {
    const h = await startHarness({ kafka, redis }, { users: 15, seed: 9 });
    try {
      const first = await h.roundCompleted('full');
      h.sim.admin.expireDeltaTokens();
      const [gone] = [...h.sim.tenant.users.active()];
      h.sim.admin.hardDelete('user', gone!.id);
      h.ingestor.service.requestRound('test');
      const second = await h.roundCompleted('full', [first]);
      expect(second).not.toBe(first);
      const users = publishedFacts(h.facts(second)).users;
      expect(users).toHaveLength(14);
      expect(users).not.toContain(gone!.id);
      // The new cursors work: the next round is incremental again.
      h.sim.admin.updateUser(users[0]!, { jobTitle: 'After Resync' });
      h.ingestor.service.requestRound('test');
      const third = await h.roundWith((e) => e.type === 'user.upserted' && e.attributes['jobTitle'] === 'After Resync');
      expect(third).toMatch(/^incr-/);
      expect(h.facts(third).map((f) => f.event.type)).toEqual(['user.upserted']);
    } finally {
      await h.close();
    }
  });
});
