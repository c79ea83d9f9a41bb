import type { DirectoryEventV1 } from '@provision/events';
import { defaultMappingConfig } from '@provision/mapping';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  InMemoryCommandSink,
  InMemoryFailureStore,
  InMemoryGuardCounter,
  InMemoryPictureStore,
} from '../adapters/in-memory.ts';
import { createBatchProcessor } from './batch-processor.ts';
import { createResultRecorder } from './result-recorder.ts';

const at = '2026-11-26T11:00:00.000Z';
let seq = 0;
const id = () => `id-${++seq}`;
const STANDARD = { appRoleId: 'role-std', roleValue: 'Standard User' };
const ADMIN = { appRoleId: 'role-adm', roleValue: 'System Administrator' };

function upsert(userId: string, syncId: string, attrs: Record<string, unknown> = {}): DirectoryEventV1 {
  return {
    type: 'user.upserted',
    eventId: id(),
    syncId,
    observedAt: at,
    userId,
    complete: true,
    attributes: {
      userPrincipalName: `${userId}@contoso.com`,
      mail: `${userId}@contoso.com`,
      givenName: 'Adele',
      surname: 'Vance',
      accountEnabled: true,
      ...attrs,
    } as Record<string, string | boolean>,
  };
}
function assign(
  userId: string,
  syncId: string,
  role = STANDARD,
  change: 'added' | 'removed' = 'added',
): DirectoryEventV1 {
  return {
    type: 'assignment.changed',
    eventId: id(),
    syncId,
    observedAt: at,
    userId,
    assignmentId: `a-${userId}-${role.appRoleId}`,
    principalType: 'User',
    principalId: userId,
    role,
    change,
  };
}
function marker(
  type: 'sync.started' | 'sync.completed',
  syncId: string,
  mode: 'full' | 'incremental' = 'full',
): DirectoryEventV1 {
  return { type, eventId: id(), syncId, mode, at };
}

describe('mapper batch processor', () => {
  let store: InMemoryPictureStore;
  let sink: InMemoryCommandSink;
  let guard: InMemoryGuardCounter;
  let failures: InMemoryFailureStore;
  let clock = 0;
  let processor: ReturnType<typeof createBatchProcessor>;
  const process = (batch: Parameters<typeof processor.process>[0]) => processor.process(batch);
  const setup = (threshold = 0) => {
    store = new InMemoryPictureStore();
    sink = new InMemoryCommandSink();
    guard = new InMemoryGuardCounter();
    failures = new InMemoryFailureStore();
    processor = createBatchProcessor({
      store,
      sink,
      failures,
      now: () => clock,
      guard,
      guardPolicy: { threshold, windowMs: 600_000 },
      config: defaultMappingConfig(),
      context: { newId: id, now: () => new Date(at), dryRun: false },
    });
  };
  beforeEach(() => setup());

  it('defers decisions during a full sync and emits one create per assigned user at its end', async () => {
    await process({
      partition: 0,
      events: [marker('sync.started', 'full-1'), upsert('u1', 'full-1'), upsert('u2', 'full-1')],
    });
    expect(sink.commands).toEqual([]);
    await process({ partition: 0, events: [assign('u1', 'full-1'), marker('sync.completed', 'full-1')] });
    const actions = sink.commands.map((c) => [c.userId, c.action]);
    expect(actions).toContainEqual(['u1', 'create']);
    const create = sink.commands.find((c) => c.userId === 'u1')!;
    expect(create.fields).toMatchObject({
      Username: 'u1@contoso.com',
      ProfileName: 'Standard User',
      IsActive: true,
      LastName: 'Vance',
    });
    expect(create.matching).toEqual({ attribute: 'Username', value: 'u1@contoso.com' });
    // u2 is not assigned: logged once as a skip with the reason, never created.
    expect(sink.commands.find((c) => c.userId === 'u2')).toMatchObject({
      action: 'skip',
      reasons: expect.arrayContaining([expect.objectContaining({ code: 'unassigned' })]),
    });
  });

  it('emits only the changed field on an incremental change, and nothing when nothing changed', async () => {
    await process({ partition: 0, events: [upsert('u1', 's1'), assign('u1', 's1')] });
    sink.commands.length = 0;
    await process({ partition: 0, events: [upsert('u1', 's2', { surname: 'Wilber' })] });
    expect(sink.commands).toHaveLength(1);
    expect(sink.commands[0]).toMatchObject({
      action: 'update',
      fields: { LastName: 'Wilber' },
      modifiedProperties: [{ name: 'LastName', oldValue: 'Vance', newValue: 'Wilber' }],
    });
    await process({ partition: 0, events: [upsert('u1', 's3', { surname: 'Wilber' })] });
    expect(sink.commands).toHaveLength(1);
  });

  it('changes the profile when the role changes, and disables on unassignment', async () => {
    await process({ partition: 0, events: [upsert('u1', 's1'), assign('u1', 's1')] });
    await process({ partition: 0, events: [assign('u1', 's2', STANDARD, 'removed'), assign('u1', 's2', ADMIN)] });
    expect(sink.commands.at(-1)).toMatchObject({ action: 'update', fields: { ProfileName: 'System Administrator' } });
    await process({ partition: 0, events: [assign('u1', 's3', ADMIN, 'removed')] });
    expect(sink.commands.at(-1)).toMatchObject({
      action: 'disable',
      fields: { IsActive: false },
      reasons: expect.arrayContaining([expect.objectContaining({ code: 'unassigned' })]),
    });
  });

  it('disables on soft delete and reactivates on restore', async () => {
    await process({ partition: 0, events: [upsert('u1', 's1'), assign('u1', 's1')] });
    await process({
      partition: 0,
      events: [{ type: 'user.removed', eventId: id(), syncId: 's2', observedAt: at, userId: 'u1', removal: 'soft' }],
    });
    expect(sink.commands.at(-1)).toMatchObject({ action: 'disable' });
    await process({ partition: 0, events: [upsert('u1', 's3')] });
    expect(sink.commands.at(-1)).toMatchObject({ action: 'reactivate', fields: { IsActive: true } });
  });

  it('deactivates users a full sync did not see (deleted meanwhile)', async () => {
    await process({
      partition: 0,
      events: [upsert('u1', 's1'), assign('u1', 's1'), upsert('u2', 's1'), assign('u2', 's1')],
    });
    sink.commands.length = 0;
    await process({
      partition: 0,
      events: [
        marker('sync.started', 'full-2'),
        upsert('u1', 'full-2'),
        assign('u1', 'full-2'),
        marker('sync.completed', 'full-2'),
      ],
    });
    expect(sink.commands.map((c) => [c.userId, c.action])).toEqual([['u2', 'disable']]);
  });

  it('ignores the markers of another partition’s full sync it never saw start', async () => {
    await process({ partition: 0, events: [upsert('u1', 's1'), assign('u1', 's1')] });
    sink.commands.length = 0;
    await process({ partition: 0, events: [marker('sync.completed', 'full-x')] });
    expect(sink.commands).toEqual([]);
  });

  it('holds back deactivations past the guard threshold and stages them', async () => {
    setup(2);
    const users = ['a', 'b', 'c', 'd'];
    await process({ partition: 0, events: users.flatMap((u) => [upsert(u, 's1'), assign(u, 's1')]) });
    sink.commands.length = 0;
    await process({ partition: 0, events: users.map((u) => assign(u, 's2', STANDARD, 'removed')) });
    const disables = sink.commands.filter((c) => c.action === 'disable');
    const held = sink.commands.filter((c) => c.reasons.some((r) => r.code === 'deactivation-guard'));
    expect(disables).toHaveLength(2);
    expect(held.map((c) => c.action)).toEqual(['skip', 'skip']);
    expect((await guard.staged()).sort()).toEqual(held.map((c) => c.userId).sort());
    sink.commands.length = 0;
    expect(await processor.releaseStaged()).toBe(2);
    expect(sink.commands.map((c) => c.action)).toEqual(['disable', 'disable']);
    expect(await guard.staged()).toEqual([]);
  });

  it('loses nothing when publishing fails: the batch can be processed again', async () => {
    sink.failNext = 1;
    await expect(process({ partition: 0, events: [upsert('u1', 's1'), assign('u1', 's1')] })).rejects.toThrow(
      /injected/,
    );
    await process({ partition: 0, events: [upsert('u1', 's1'), assign('u1', 's1')] });
    expect(sink.commands.map((c) => c.action)).toEqual(['create']);
  });

  describe('when Salesforce refuses a command', () => {
    const result = (command: { commandId: string; userId: string; action: string }, status: 'failure' | 'success') => ({
      partition: 0,
      result: {
        commandId: command.commandId,
        changeId: 'c',
        userId: command.userId,
        action: command.action as 'create',
        status,
        salesforceId: null,
        linkedBy: 'none' as const,
        error:
          status === 'failure'
            ? { code: 'SalesforceLicenseLimitExceeded', message: 'no licence', retriable: false, fields: [] }
            : null,
        modifiedProperties: [],
        dryRun: false,
        attempt: 1,
        startedAt: at,
        completedAt: at,
        durationMs: 1,
      },
    });
    const record = () =>
      createResultRecorder({ failures, retry: { baseMs: 1000, factor: 5, maxMs: 60_000 }, now: () => clock });

    it('issues the same command again at the end of a later round, with a growing backoff', async () => {
      clock = 0;
      await process({ partition: 0, events: [upsert('u1', 's1'), assign('u1', 's1')] });
      const first = sink.commands.at(-1)!;
      await record()([result(first, 'failure')]);
      await process({ partition: 0, events: [marker('sync.completed', 'r1', 'incremental')] });
      expect(sink.commands).toHaveLength(1); // not due yet
      clock = 1000;
      await process({ partition: 0, events: [marker('sync.completed', 'r2', 'incremental')] });
      const second = sink.commands.at(-1)!;
      expect(second).toMatchObject({ action: 'create', userId: 'u1', fields: { Username: 'u1@contoso.com' } });
      expect(second.commandId).not.toBe(first.commandId);
      await record()([result(second, 'failure')]);
      clock = 5999;
      await process({ partition: 0, events: [marker('sync.completed', 'r3', 'incremental')] });
      expect(sink.commands).toHaveLength(2); // the second retry waits 5 s
      clock = 6000;
      await process({ partition: 0, events: [marker('sync.completed', 'r4', 'incremental')] });
      expect(sink.commands).toHaveLength(3);
      await record()([result(sink.commands.at(-1)!, 'success')]);
      expect(failures.failures.size).toBe(0);
    });

    it('asks again for a failed deactivation, not for nothing', async () => {
      await process({ partition: 0, events: [upsert('u1', 's1'), assign('u1', 's1')] });
      await record()([result(sink.commands.at(-1)!, 'success')]);
      await process({ partition: 0, events: [assign('u1', 's2', STANDARD, 'removed')] });
      const disable = sink.commands.at(-1)!;
      expect(disable.action).toBe('disable');
      await record()([result(disable, 'failure')]);
      await process({ partition: 0, events: [upsert('u1', 's3', { department: 'Retail' })] });
      expect(sink.commands.at(-1)).toMatchObject({ action: 'disable', fields: { IsActive: false } });
    });

    it('creates the user again when an update finds it missing in Salesforce', async () => {
      await process({ partition: 0, events: [upsert('u1', 's1'), assign('u1', 's1')] });
      await process({ partition: 0, events: [upsert('u1', 's2', { surname: 'Wilber' })] });
      const update = sink.commands.at(-1)!;
      const missing = result(update, 'success');
      missing.result = {
        ...missing.result,
        status: 'skipped' as 'success',
        error: { code: 'SalesforceUserNotFound', message: 'gone', retriable: false, fields: [] },
      };
      await record()([missing]);
      await process({ partition: 0, events: [upsert('u1', 's3', { surname: 'Wilber' })] });
      expect(sink.commands.at(-1)).toMatchObject({
        action: 'create',
        fields: { LastName: 'Wilber', Username: 'u1@contoso.com' },
      });
    });

    it('ignores a failure of a command that a newer one superseded', async () => {
      await process({ partition: 0, events: [upsert('u1', 's1'), assign('u1', 's1')] });
      const create = sink.commands.at(-1)!;
      await process({ partition: 0, events: [upsert('u1', 's2', { surname: 'Wilber' })] });
      await record()([result(create, 'failure')]);
      await process({ partition: 0, events: [upsert('u1', 's3', { surname: 'Wilber' })] });
      expect(sink.commands.map((c) => c.action)).toEqual(['create', 'update']);
    });
  });

  it('previews in dry run without believing Salesforce changed, so the real run sends everything', async () => {
    const dry = createBatchProcessor({
      store,
      sink,
      failures,
      guard,
      guardPolicy: { threshold: 0, windowMs: 1 },
      config: defaultMappingConfig(),
      context: { newId: id, now: () => new Date(at), dryRun: true },
    });
    await dry.process({ partition: 0, events: [upsert('u1', 's1'), assign('u1', 's1')] });
    expect(sink.commands.at(-1)).toMatchObject({ action: 'create', dryRun: true });
    await process({ partition: 0, events: [upsert('u1', 's2')] });
    expect(sink.commands.at(-1)).toMatchObject({ action: 'create', dryRun: false });
  });
});
