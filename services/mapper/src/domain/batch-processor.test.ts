import type { DirectoryEventV1, ProvisioningCommandV1 } from '@provision/events';
import { defaultMappingConfig } from '@provision/mapping';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  InMemoryAnswerStore,
  InMemoryCommandSink,
  InMemoryDeactivationGuardStore,
  InMemoryFailureStore,
  InMemoryPictureStore,
} from '../testing/fakes.ts';
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

/** The writer's result of a command. */
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
describe('mapper batch processor', () => {
  let store: InMemoryPictureStore;
  let sink: InMemoryCommandSink;
  let guard: InMemoryDeactivationGuardStore;
  let failures: InMemoryFailureStore;
  let clock = 0;
  let processor: ReturnType<typeof createBatchProcessor>;
  const process = (batch: Parameters<typeof processor.process>[0]) => processor.process(batch);
  const setup = (threshold = 0) => {
    store = new InMemoryPictureStore();
    sink = new InMemoryCommandSink();
    guard = new InMemoryDeactivationGuardStore();
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

  it('updates on an incremental change with every kept field stated and the change logged, and emits nothing when nothing changed', async () => {
    await process({ partition: 0, events: [upsert('u1', 's1'), assign('u1', 's1')] });
    sink.commands.length = 0;
    await process({ partition: 0, events: [upsert('u1', 's2', { surname: 'Wilber' })] });
    expect(sink.commands).toHaveLength(1);
    expect(sink.commands[0]).toMatchObject({
      action: 'update',
      fields: { LastName: 'Wilber', FirstName: 'Adele', Username: 'u1@contoso.com', ProfileName: 'Standard User' },
      createFields: { LastName: 'Wilber', Username: 'u1@contoso.com', ProfileName: 'Standard User' },
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

  it('forgets a role that an interrupted full sync published and the next full sync no longer restates', async () => {
    // Full sync 1 sees u1 with Standard User, then is interrupted (no sync.completed). Meanwhile u1
    // is moved to Default Access; full sync 2 restates only that.
    await process({
      partition: 0,
      events: [marker('sync.started', 'full-1'), upsert('u1', 'full-1'), assign('u1', 'full-1')],
    });
    const DEFAULT_ACCESS = { appRoleId: '00000000-0000-0000-0000-000000000000', roleValue: 'msiam_access' };
    await process({
      partition: 0,
      events: [
        marker('sync.started', 'full-2'),
        upsert('u1', 'full-2'),
        assign('u1', 'full-2', DEFAULT_ACCESS),
        marker('sync.completed', 'full-2'),
      ],
    });
    expect(sink.commands.map((c) => [c.userId, c.action])).toEqual([['u1', 'skip']]);
    expect(sink.commands[0]!.reasons.map((r) => r.code)).toContain('default-access');
  });

  it('deactivates a user a full sync lists only through groups and assignments (soft-deleted meanwhile: absent from the users listing)', async () => {
    await process({ partition: 0, events: [upsert('u1', 's1'), assign('u1', 's1')] });
    sink.commands.length = 0;
    await process({
      partition: 0,
      events: [marker('sync.started', 'full-2'), assign('u1', 'full-2'), marker('sync.completed', 'full-2')],
    });
    expect(sink.commands.map((c) => [c.userId, c.action])).toEqual([['u1', 'disable']]);
  });

  it('makes the decisions a full sync held back when the sync is given up for incremental rounds', async () => {
    await process({
      partition: 0,
      events: [marker('sync.started', 'full-1'), upsert('u1', 'full-1'), assign('u1', 'full-1')],
    });
    expect(sink.commands).toEqual([]);
    await process({ partition: 0, events: [marker('sync.started', 'incr-1', 'incremental')] });
    expect(sink.commands.map((c) => [c.userId, c.action])).toEqual([['u1', 'create']]);
    // No longer in a full sync: the next change is decided at once.
    await process({ partition: 0, events: [upsert('u1', 'incr-1', { surname: 'Wilber' })] });
    expect(sink.commands.at(-1)).toMatchObject({ action: 'update' });
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

  it('records who released the guard in the released commands', async () => {
    setup(1);
    await process({ partition: 0, events: ['a', 'b'].flatMap((u) => [upsert(u, 's1'), assign(u, 's1')]) });
    await process({ partition: 0, events: ['a', 'b'].map((u) => assign(u, 's2', STANDARD, 'removed')) });
    sink.commands.length = 0;
    const by = { kind: 'user' as const, id: 'oid-1', name: 'Provision Admin <admin@contoso.com> (user oid-1)' };
    expect(await processor.releaseStaged(by)).toBe(1);
    expect(sink.commands).toEqual([
      expect.objectContaining({
        action: 'disable',
        initiatedBy: by,
        reasons: expect.arrayContaining([
          expect.objectContaining({ code: 'deactivation-guard-released', message: expect.stringContaining(by.name) }),
        ]),
      }),
    ]);
  });

  it('marks the commands of provision on demand with the origin and who asked', async () => {
    const by = { kind: 'app' as const, id: 'sp-1', name: 'Provision CLI (app c-1)' };
    const asked = { ...upsert('u9', 'on-demand-2026-11-26T11:00:00.000Z'), initiatedBy: by } as DirectoryEventV1;
    await process({ partition: 0, events: [asked, assign('u9', 'on-demand-2026-11-26T11:00:00.000Z')] });
    await process({ partition: 0, events: [upsert('u8', 's1'), assign('u8', 's1')] });
    expect(sink.commands.map((c) => [c.userId, c.action, c.origin, c.initiatedBy?.id])).toEqual([
      ['u9', 'create', 'on-demand', 'sp-1'],
      ['u8', 'create', 'sync', undefined],
    ]);
    expect(sink.commands[0]!.reasons.at(-1)).toMatchObject({
      code: 'on-demand',
      message: 'Provisioned on demand by Provision CLI (app c-1).',
    });
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
    const record = () =>
      createResultRecorder({
        failures,
        retry: { initialDelayMs: 1000, multiplier: 5, maxDelayMs: 60_000 },
        now: () => clock,
      });

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

    it('a create that fails while an update overtakes it: the update carries what the writer needs to create the user', async () => {
      await process({ partition: 0, events: [upsert('u1', 's1'), assign('u1', 's1')] });
      const create = sink.commands.at(-1)!;
      await process({ partition: 0, events: [upsert('u1', 's2', { surname: 'Wilber' })] });
      const update = sink.commands.at(-1)!;
      await record()([result(create, 'failure')]);
      expect(update).toMatchObject({ action: 'update', fields: { LastName: 'Wilber' } });
      for (const field of ['Username', 'LastName', 'Email', 'Alias', 'ProfileName', 'TimeZoneSidKey', 'LocaleSidKey'])
        expect(update.createFields?.[field], field).toBeTruthy();
    });

    it('retries a transient failure within seconds, a refusal after the long backoff', async () => {
      clock = 0;
      await process({
        partition: 0,
        events: [upsert('u1', 's1'), assign('u1', 's1'), upsert('u2', 's1'), assign('u2', 's1')],
      });
      const [u1, u2] = sink.commands.slice(-2);
      const transient = result(u1!, 'failure');
      transient.result.error = { code: 'SalesforceServiceUnavailable', message: '503', retriable: true, fields: [] };
      await createResultRecorder({
        failures,
        retry: { initialDelayMs: 60_000, multiplier: 5, maxDelayMs: 3_600_000 },
        transientRetry: { initialDelayMs: 10_000, multiplier: 2, maxDelayMs: 120_000 },
        now: () => clock,
      })([transient, result(u2!, 'failure')]);
      clock = 10_000;
      await process({ partition: 0, events: [marker('sync.completed', 'r1', 'incremental')] });
      expect(sink.commands.slice(2).map((c) => [c.userId, c.action])).toEqual([['u1', 'create']]);
      clock = 60_000;
      await process({ partition: 0, events: [marker('sync.completed', 'r2', 'incremental')] });
      expect(sink.commands.slice(3).map((c) => [c.userId, c.action])).toEqual([['u2', 'create']]);
    });

    it('disables a user whose create failed and who then left scope: Salesforce may hold them (a pre-existing user)', async () => {
      await process({ partition: 0, events: [upsert('u1', 's1'), assign('u1', 's1')] });
      await record()([result(sink.commands.at(-1)!, 'failure')]);
      await process({ partition: 0, events: [assign('u1', 's2', STANDARD, 'removed')] });
      expect(sink.commands.at(-1)).toMatchObject({
        action: 'disable',
        fields: { IsActive: false },
        matching: { attribute: 'Username', value: 'u1@contoso.com' },
      });
    });

    it('a disable of a user Salesforce does not have is done, not retried', async () => {
      await process({ partition: 0, events: [upsert('u1', 's1'), assign('u1', 's1')] });
      await process({ partition: 0, events: [assign('u1', 's2', STANDARD, 'removed')] });
      const disable = sink.commands.at(-1)!;
      const missing = result(disable, 'success');
      missing.result = {
        ...missing.result,
        status: 'skipped' as 'success',
        error: { code: 'SalesforceUserNotFound', message: 'none', retriable: false, fields: [] },
      };
      await record()([missing]);
      expect(failures.failures.size).toBe(0);
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

  describe('after its Redis was emptied', () => {
    const linked = { ...defaultMappingConfig(), link: { field: 'EntraObjectId__c' } };
    let consumedBefore = false;
    const build = (config = linked) => {
      processor = createBatchProcessor({
        store,
        sink,
        failures,
        now: () => clock,
        guard,
        guardPolicy: { threshold: 1, windowMs: 600_000 },
        config,
        context: { newId: id, now: () => new Date(at), dryRun: false },
        consumedBefore: async () => consumedBefore,
      });
    };
    const fullSync = async (syncId: string) => {
      await process({
        partition: 0,
        events: [
          marker('sync.started', syncId),
          upsert('stays', syncId),
          assign('stays', syncId),
          upsert('left', syncId),
          upsert('never', syncId),
          marker('sync.completed', syncId),
        ],
      });
    };
    const byUser = (userId: string) => sink.commands.filter((c) => c.userId === userId);

    it('on a first start, trusts its empty memory: a user never provisioned is not looked for', async () => {
      consumedBefore = false;
      build();
      await fullSync('s1');
      expect(byUser('never').map((c) => [c.action, c.linkedOnly])).toEqual([['skip', undefined]]);
      expect(byUser('stays')[0]).toMatchObject({
        action: 'create',
        link: { field: 'EntraObjectId__c', value: 'stays' },
        fields: { EntraObjectId__c: 'stays' },
      });
      expect(await store.memoryIntact(0)).toBe(true);
    });

    it('having consumed before, asks the writer to disable out-of-scope users only by their link, once, until a full sync restated everyone', async () => {
      consumedBefore = true;
      build();
      await fullSync('s1');
      // 'left' and 'never' are alike to a mapper that forgot: both are checked by link, not matched.
      for (const user of ['left', 'never']) {
        expect(byUser(user).map((c) => [c.action, c.linkedOnly, c.matching?.attribute])).toEqual([
          ['disable', true, 'Username'],
        ]);
      }
      // Not held back by the guard (threshold 1): a check, not a mass deactivation.
      expect(await guard.staged()).toEqual([]);
      expect(byUser('stays')[0]?.action).toBe('create');
      expect(await store.memoryIntact(0)).toBe(true);
      // Memory whole again: the next change of an out-of-scope user decides as usual, quietly.
      const before = sink.commands.length;
      await process({ partition: 0, events: [upsert('never', 'r2', { department: 'Ops' })] });
      expect(sink.commands.slice(before).map((c) => c.action)).toEqual(['skip']);
    });

    it('asked on demand about a user Graph no longer has and it never knew, checks its link, naming who asked', async () => {
      consumedBefore = false;
      build();
      const by = { kind: 'user' as const, id: 'admin-1', name: 'Ada Admin' };
      const removed = (userId: string, syncId: string, extra: object = {}) =>
        ({
          type: 'user.removed',
          eventId: id(),
          syncId,
          observedAt: at,
          userId,
          removal: 'hard',
          ...extra,
        }) as DirectoryEventV1;
      await process({
        partition: 0,
        events: [removed('gone', 'on-demand-2026-12-05T10:00:00.000Z', { initiatedBy: by })],
      });
      expect(byUser('gone')).toMatchObject([
        { action: 'disable', linkedOnly: true, origin: 'on-demand', initiatedBy: by, fields: { IsActive: false } },
      ]);
      expect(byUser('gone')[0]?.reasons.map((r) => r.code)).toEqual(
        expect.arrayContaining(['link-check', 'on-demand']),
      );
      // The same removal seen by a round (not asked for) of a user never known: nothing to do.
      await process({ partition: 0, events: [removed('other', 'r1')] });
      expect(byUser('other').map((c) => [c.action, c.linkedOnly])).toEqual([['skip', undefined]]);
      // Known to the mapper: asked on demand, the usual decision (no link check of a user never provisioned).
      await process({ partition: 0, events: [upsert('known', 'r2')] });
      await process({ partition: 0, events: [removed('known', 'on-demand-2026-12-05T10:01:00.000Z')] });
      expect(byUser('known').every((c) => c.linkedOnly === undefined)).toBe(true);
    });

    it('asks again when the link check failed', async () => {
      consumedBefore = true;
      build();
      const recorder = createResultRecorder({
        failures,
        retry: { initialDelayMs: 0, multiplier: 1, maxDelayMs: 0 },
        now: () => clock,
      });
      await process({ partition: 0, events: [upsert('never', 'r1')] });
      const check = byUser('never')[0]!;
      expect(check).toMatchObject({ action: 'disable', linkedOnly: true });
      // Checked once: a later change of the user is an ordinary quiet skip, not a second check.
      await process({ partition: 0, events: [upsert('never', 'r2', { department: 'Ops' })] });
      expect(byUser('never').map((c) => c.action)).toEqual(['disable', 'skip']);
      await recorder([
        {
          partition: 0,
          result: {
            commandId: check.commandId,
            changeId: check.changeId,
            userId: 'never',
            action: 'disable',
            status: 'failure',
            salesforceId: null,
            linkedBy: 'none',
            modifiedProperties: [],
            error: { code: 'SalesforceServiceUnavailable', message: '503', retriable: true, fields: [] },
            dryRun: false,
            attempt: 1,
            completedAt: at,
          } as never,
        },
      ]);
      clock += 60_000; // past the transient retry's first wait
      await process({ partition: 0, events: [marker('sync.completed', 'r3', 'incremental')] });
      expect(byUser('never').map((c) => [c.action, c.linkedOnly])).toEqual([
        ['disable', true],
        ['skip', undefined],
        ['disable', true],
      ]);
    });

    it('without a link, says nothing can be done and leaves out-of-scope users alone', async () => {
      consumedBefore = true;
      const lost: number[] = [];
      processor = createBatchProcessor({
        store,
        sink,
        failures,
        guard,
        guardPolicy: { threshold: 0, windowMs: 600_000 },
        config: defaultMappingConfig(),
        context: { newId: id, now: () => new Date(at), dryRun: false },
        consumedBefore: async () => true,
        onMemoryLost: (p) => lost.push(p),
      });
      await fullSync('s1');
      expect(lost).toEqual([0]);
      expect(byUser('never').map((c) => c.action)).toEqual(['skip']);
    });
  });

  describe('lanes', () => {
    let answers: InMemoryAnswerStore;
    /** The processor with the writer's answers (unless `withAnswers` is false), over the shared stores. */
    const build = (options: { withAnswers?: boolean; consumedBefore?: boolean } = {}) => {
      processor = createBatchProcessor({
        store,
        sink,
        failures,
        ...(options.withAnswers === false ? {} : { answers }),
        guard,
        guardPolicy: { threshold: 0, windowMs: 600_000 },
        config: defaultMappingConfig(),
        context: { newId: id, now: () => new Date(at), dryRun: false },
        ...(options.consumedBefore ? { consumedBefore: async () => true } : {}),
      });
    };
    beforeEach(() => {
      answers = new InMemoryAnswerStore();
      build();
    });
    const answer = (command: ProvisioningCommandV1, status: 'failure' | 'success' = 'success') =>
      createResultRecorder({ failures, answers, retry: { initialDelayMs: 1000, multiplier: 5, maxDelayMs: 60_000 } })([
        result(command, status),
      ]);
    const laneOf = (command: ProvisioningCommandV1 | undefined) => sink.lanes.get(command!.commandId);
    const fullSync = async (syncId: string, users: string[]) => {
      await process({ partition: 0, events: [marker('sync.started', syncId)] });
      await process({ partition: 0, events: users.flatMap((u) => [upsert(u, syncId), assign(u, syncId)]) });
      await process({ partition: 0, events: [marker('sync.completed', syncId)] });
    };

    it('sends a full sync in the bulk lane and a notified change of an answered user in the live lane', async () => {
      await fullSync('full-1', ['u1', 'u2']);
      expect(sink.commands.map((c) => [c.userId, c.action, laneOf(c)])).toEqual([
        ['u1', 'create', 'bulk'],
        ['u2', 'create', 'bulk'],
      ]);
      await answer(sink.commands[0]!);
      await process({ partition: 0, events: [upsert('u1', 'delta-1', { surname: 'Wilber' })] });
      expect([sink.commands.at(-1)!.action, laneOf(sink.commands.at(-1))]).toEqual(['update', 'live']);
      // A user never commanded before has nothing to wait for.
      await process({ partition: 0, events: [upsert('u3', 'delta-2'), assign('u3', 'delta-2')] });
      expect([sink.commands.at(-1)!.userId, laneOf(sink.commands.at(-1))]).toEqual(['u3', 'live']);
    });

    it('keeps a notified change behind its user’s unanswered bulk command, in the bulk lane', async () => {
      await fullSync('full-1', ['u1']);
      await process({ partition: 0, events: [upsert('u1', 'delta-1', { surname: 'Wilber' })] });
      expect(laneOf(sink.commands.at(-1))).toBe('bulk');
      // Still unanswered (only the create was): the next change follows it, in the bulk lane.
      await answer(sink.commands[0]!);
      await process({ partition: 0, events: [upsert('u1', 'delta-2', { surname: 'Bowen' })] });
      expect(laneOf(sink.commands.at(-1))).toBe('bulk');
      // Once every command is answered, failure or not, the next change goes live.
      await answer(sink.commands.at(-1)!, 'failure');
      await process({ partition: 0, events: [upsert('u1', 'delta-3', { surname: 'Vance' })] });
      expect(laneOf(sink.commands.at(-1))).toBe('live');
    });

    it('sends a bulk decision after its user’s unanswered live command, in the live lane', async () => {
      await process({ partition: 0, events: [upsert('u1', 'delta-1'), assign('u1', 'delta-1')] });
      const create = sink.commands.at(-1)!;
      expect(laneOf(create)).toBe('live');
      await process({
        partition: 0,
        events: [
          marker('sync.started', 'full-1'),
          upsert('u1', 'full-1', { surname: 'Wilber' }),
          assign('u1', 'full-1'),
        ],
      });
      await process({ partition: 0, events: [marker('sync.completed', 'full-1')] });
      expect([sink.commands.at(-1)!.action, laneOf(sink.commands.at(-1))]).toEqual(['update', 'live']);
      await answer(sink.commands.at(-1)!);
      await fullSync('full-2', []);
      // The next full sync finds u1 gone: its disable is bulk, nothing being unanswered.
      expect([sink.commands.at(-1)!.action, laneOf(sink.commands.at(-1))]).toEqual(['disable', 'bulk']);
    });

    it('keeps a user commanded before lanes were recorded in the bulk lane: whether it was answered is unknown', async () => {
      await fullSync('full-1', ['u1']);
      const [picture] = [...(await store.load(['u1'])).values()];
      await store.save([{ ...picture!, lastCommand: undefined }]);
      await process({ partition: 0, events: [upsert('u1', 'delta-1', { surname: 'Wilber' })] });
      expect(laneOf(sink.commands.at(-1))).toBe('bulk');
    });

    it('sends everything in the bulk lane while its memory is lost: a command may be unanswered there', async () => {
      build({ consumedBefore: true });
      await process({ partition: 0, events: [upsert('u1', 'delta-1'), assign('u1', 'delta-1')] });
      expect(laneOf(sink.commands.at(-1))).toBe('bulk');
      await fullSync('full-1', ['u1']);
      await answer(sink.commands.at(-1)!);
      await process({ partition: 0, events: [upsert('u1', 'delta-2', { surname: 'Wilber' })] });
      expect(laneOf(sink.commands.at(-1))).toBe('live');
    });

    it('sends everything in the bulk lane without the writer’s answers', async () => {
      build({ withAnswers: false });
      await process({ partition: 0, events: [upsert('u1', 'delta-1'), assign('u1', 'delta-1')] });
      expect(laneOf(sink.commands.at(-1))).toBe('bulk');
    });
  });
});
