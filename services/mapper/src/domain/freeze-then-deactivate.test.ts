import type { DirectoryEventV1, ProvisioningCommandV1 } from '@provision/events';
import { DEFAULT_MAPPING_YAML, loadMappingConfig, type MappingConfig } from '@provision/mapping';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  InMemoryCommandSink,
  InMemoryDeactivationGuardStore,
  InMemoryDeactivationSchedule,
  InMemoryFailureStore,
  InMemoryPictureStore,
} from '../testing/fakes.ts';
import { createBatchProcessor } from './batch-processor.ts';
import { createResultRecorder } from './result-recorder.ts';

const DAY = 86_400_000;
const start = Date.parse('2026-03-01T09:00:00.000Z');
const STANDARD = { appRoleId: 'role-std', roleValue: 'Standard User' };
let seq = 0;
const id = () => `id-${++seq}`;

function config(days: number): MappingConfig {
  return loadMappingConfig(
    DEFAULT_MAPPING_YAML.replace(
      'deprovisioning:\n  action: deactivate\n',
      `deprovisioning:\n  action: freezeThenDeactivate\n  deactivateAfterDays: ${days}\n`,
    ),
  );
}

function upsert(userId: string): DirectoryEventV1 {
  return {
    type: 'user.upserted',
    eventId: id(),
    syncId: 'r',
    observedAt: new Date(start).toISOString(),
    userId,
    complete: true,
    attributes: {
      userPrincipalName: `${userId}@contoso.com`,
      mail: `${userId}@contoso.com`,
      givenName: 'Adele',
      surname: 'Vance',
      accountEnabled: true,
    },
  };
}
function assign(userId: string, change: 'added' | 'removed'): DirectoryEventV1 {
  return {
    type: 'assignment.changed',
    eventId: id(),
    syncId: 'r',
    observedAt: new Date(start).toISOString(),
    userId,
    assignmentId: `a-${userId}`,
    principalType: 'User',
    principalId: userId,
    role: STANDARD,
    change,
  };
}
/** The end of an idle round: the ingestor writes one into every partition, even with no change. */
const roundEnd = (): DirectoryEventV1 => ({
  type: 'sync.completed',
  eventId: id(),
  syncId: `round-${seq}`,
  mode: 'incremental',
  at: new Date(start).toISOString(),
});

describe('freezeThenDeactivate in the mapper (virtual time)', () => {
  let clock: number;
  let store: InMemoryPictureStore;
  let sink: InMemoryCommandSink;
  let failures: InMemoryFailureStore;
  let deadlines: InMemoryDeactivationSchedule;
  let guard: InMemoryDeactivationGuardStore;
  /** A mapper replica over the shared stores (Redis in production): building a second one is a restart. */
  const replica = (days = 30, threshold = 0) =>
    createBatchProcessor({
      store,
      sink,
      failures,
      deadlines,
      guard,
      guardPolicy: { threshold, windowMs: 3_600_000 },
      config: config(days),
      context: { newId: id, now: () => new Date(clock), dryRun: false },
    });
  const after = (n: number) => sink.commands.slice(n);
  const fields = (c: ProvisioningCommandV1 | undefined) => c && [c.userId, c.action, c.fields];

  beforeEach(() => {
    clock = start;
    store = new InMemoryPictureStore();
    sink = new InMemoryCommandSink();
    failures = new InMemoryFailureStore();
    deadlines = new InMemoryDeactivationSchedule();
    guard = new InMemoryDeactivationGuardStore();
  });

  async function provisionThenUnassign(mapper: ReturnType<typeof replica>, userId = 'u1') {
    await mapper.process({ partition: 0, events: [upsert(userId), assign(userId, 'added')] });
    await mapper.process({ partition: 0, events: [assign(userId, 'removed')] });
  }

  it('freezes a leaver at once and deactivates it at the first round end past the deadline, with no Entra change', async () => {
    const mapper = replica(30);
    await provisionThenUnassign(mapper);
    expect(fields(sink.commands.at(-1))).toEqual(['u1', 'disable', { IsFrozen: true }]);
    const n = sink.commands.length;
    clock = start + 30 * DAY - 60_000;
    await mapper.process({ partition: 0, events: [roundEnd()] });
    expect(after(n)).toEqual([]);
    clock = start + 30 * DAY + 60_000;
    await mapper.process({ partition: 0, events: [roundEnd()] });
    expect(after(n).map(fields)).toEqual([['u1', 'disable', { IsActive: false }]]);
    const reason = after(n)[0]!.reasons.find((r) => r.code === 'freeze-expired');
    expect(reason?.message).toContain('Frozen since 2026-03-01T09:00:00.000Z');
    expect(after(n)[0]!.reasons.map((r) => r.code)).toContain('unassigned');
    // Done: the entry is gone and later rounds leave the user alone.
    expect(await deadlines.due(0, Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
    await mapper.process({ partition: 0, events: [roundEnd()] });
    expect(after(n)).toHaveLength(1);
  });

  it('unfreezes a user back in scope before the deadline, and never deactivates it', async () => {
    const mapper = replica(30);
    await provisionThenUnassign(mapper);
    clock = start + 10 * DAY;
    const n = sink.commands.length;
    await mapper.process({ partition: 0, events: [assign('u1', 'added')] });
    expect(after(n).map((c) => [c.action, c.fields['IsFrozen']])).toEqual([['reactivate', false]]);
    clock = start + 31 * DAY;
    await mapper.process({ partition: 0, events: [roundEnd()] });
    expect(after(n + 1)).toEqual([]);
    expect(await deadlines.due(0, clock, 10)).toEqual([]);
    // Leaving again starts a new freeze, with a new deadline.
    await mapper.process({ partition: 0, events: [assign('u1', 'removed')] });
    expect(fields(sink.commands.at(-1))).toEqual(['u1', 'disable', { IsFrozen: true }]);
    expect((await store.load(['u1'])).get('u1')?.frozenAt).toBe(new Date(clock).toISOString());
  });

  it('keeps the deadline across a crash and restart of the mapper (the schedule and freeze time live in Redis)', async () => {
    await provisionThenUnassign(replica(2));
    const n = sink.commands.length;
    clock = start + 2 * DAY;
    const restarted = replica(2);
    await restarted.process({ partition: 0, events: [roundEnd()] });
    expect(after(n).map(fields)).toEqual([['u1', 'disable', { IsActive: false }]]);
  });

  it('keeps an entry when the sweep crashes before deciding, so the next sweep (any replica) deactivates', async () => {
    const mapper = replica(1);
    await provisionThenUnassign(mapper);
    clock = start + DAY;
    const n = sink.commands.length;
    store.failOnSave = true;
    await expect(mapper.process({ partition: 0, events: [roundEnd()] })).rejects.toThrow(/injected/);
    store.failOnSave = false;
    expect(await deadlines.due(0, clock, 10)).toEqual(['u1']);
    // The batch is redelivered: the deactivation is asked for again (the writer finds a repeat done).
    await replica(1).process({ partition: 0, events: [roundEnd()] });
    expect(after(n).every((c) => c.action === 'disable' && c.fields['IsActive'] === false)).toBe(true);
    expect(await deadlines.due(0, Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
  });

  it('deactivates at the next decision for the user when that comes first, and the sweep then finds it done', async () => {
    const mapper = replica(1);
    await provisionThenUnassign(mapper);
    clock = start + DAY;
    const n = sink.commands.length;
    await mapper.process({ partition: 0, events: [upsert('u1')] });
    expect(after(n).map(fields)).toEqual([['u1', 'disable', { IsActive: false }]]);
    await mapper.process({ partition: 0, events: [roundEnd()] });
    expect(after(n)).toHaveLength(1);
  });

  it('counts the deactivations for the guard like any other', async () => {
    const mapper = replica(1, 100);
    await provisionThenUnassign(mapper, 'u1');
    await provisionThenUnassign(mapper, 'u2');
    guard = new InMemoryDeactivationGuardStore(); // a new window
    const strict = replica(1, 1);
    clock = start + DAY;
    const n = sink.commands.length;
    await strict.process({ partition: 0, events: [roundEnd()] });
    expect(after(n).map((c) => [c.userId, c.action])).toEqual([
      ['u1', 'disable'],
      ['u2', 'skip'],
    ]);
    expect(await guard.staged()).toEqual(['u2']);
    // The admin allows it: still due, so deactivated.
    await strict.releaseStaged();
    expect(fields(sink.commands.at(-1))).toEqual(['u2', 'disable', { IsActive: false }]);
  });

  it('asks again for a deactivation Salesforce refused, on the retry backoff, without any Entra change', async () => {
    const mapper = replica(1);
    await provisionThenUnassign(mapper);
    clock = start + DAY;
    await mapper.process({ partition: 0, events: [roundEnd()] });
    const refused = sink.commands.at(-1)!;
    expect(refused.fields).toEqual({ IsActive: false });
    await createResultRecorder({
      failures,
      retry: { initialDelayMs: 60_000, multiplier: 5, maxDelayMs: 3_600_000 },
      now: () => clock,
    })([
      {
        partition: 0,
        result: {
          commandId: refused.commandId,
          changeId: refused.changeId,
          userId: 'u1',
          action: 'disable',
          status: 'failure',
          salesforceId: '005000000000001AAA',
          linkedBy: 'link',
          error: {
            code: 'SalesforceDeactivationBlocked',
            message: 'This user is the default lead owner.',
            retriable: false,
            fields: ['IsActive'],
          },
          modifiedProperties: [],
          dryRun: false,
          attempt: 1,
          startedAt: new Date(clock).toISOString(),
          completedAt: new Date(clock).toISOString(),
          durationMs: 1,
        },
      },
    ]);
    const n = sink.commands.length;
    clock += 60_000;
    await mapper.process({ partition: 0, events: [roundEnd()] });
    expect(after(n).map(fields)).toEqual([['u1', 'disable', { IsActive: false }]]);
  });
});
