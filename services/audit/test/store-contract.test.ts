import type { SyncMarker } from '@provision/events';
import { test as pgTest } from '@provision/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { PgAuditLogStore } from '../src/adapters/pg-audit-log-store.ts';
import type { AuditLogStore, DeadLetterInput } from '../src/domain/ports.ts';
import { InMemoryAuditLogStore } from '../src/testing/fakes.ts';
import { commandForFailure, fixtures } from '../src/testing/fixtures.ts';

// The same behaviour from the in-memory store and from PostgreSQL, so that the audit's unit tests
// on the fake mean something. What only PostgreSQL can show (migrations, a rolled-back
// transaction, concurrent replicas) stays in pg-store.test.ts.

type StoreTest = (title: string, body: (store: AuditLogStore) => Promise<void>) => void;

const inMemory: StoreTest = (title, body) =>
  it(title, async () => {
    const store = new InMemoryAuditLogStore();
    await store.migrate();
    await body(store);
  });

const postgres: StoreTest = (title, body) =>
  pgTest(title, async ({ postgres }) => {
    const store = new PgAuditLogStore({ connectionString: postgres.serverUrl, schema: postgres.schema });
    try {
      await store.migrate();
      await body(store);
    } finally {
      await store.close();
    }
  });

const deadLetter = (offset: string): DeadLetterInput => ({
  topic: 'provisioning.commands.dlq.v1',
  sourceTopic: 'provisioning.commands.v1',
  partition: 0,
  offset,
  key: 'u',
  reason: 'value is not JSON',
  errorCode: 'PRV_EVENT_UNDECODABLE',
  headers: {},
  payload: '{',
  payloadEncoding: 'utf8',
});

const marker = (overrides: Partial<SyncMarker>): SyncMarker => ({ ...fixtures.syncStarted(), ...overrides });

describe.each([
  ['InMemoryAuditLogStore', inMemory],
  ['PgAuditLogStore', postgres],
])('AuditLogStore contract: %s', (_name, storeTest: StoreTest) => {
  storeTest('joins a command and its result in one row, whichever comes first', async (store) => {
    await store.recordResult(fixtures.resultSuccess());
    await store.recordCommand(fixtures.commandCreate());
    expect(await store.getLog(fixtures.commandCreate().commandId)).toMatchObject({
      status: 'success',
      action: 'create',
      salesforceId: '005000000000001AAA',
      linkedBy: 'created',
      userPrincipalName: 'adele.vance@contoso.com',
      issuedAt: '2026-11-26T11:00:01.400Z',
      completedAt: '2026-11-26T11:00:01.610Z',
      activityAt: '2026-11-26T11:00:01.610Z',
      hasCommand: true,
      hasResult: true,
    });
    await store.recordCommand(fixtures.commandDisable());
    expect(await store.getLog(fixtures.commandDisable().commandId)).toMatchObject({
      status: 'pending',
      hasResult: false,
      salesforceId: '005000000000001AAA',
      activityAt: '2026-11-26T11:05:00.500Z',
    });
    expect(await store.getLog('no-such-command')).toBeNull();
  });

  storeTest(
    'a redelivered or older result never overwrites a later attempt, and a redelivered command keeps the result',
    async (store) => {
      const failed = fixtures.resultFailure();
      const retried = {
        ...failed,
        attempt: 2,
        status: 'success' as const,
        error: null,
        salesforceId: '005000000000002AAA',
        linkedBy: 'created' as const,
        completedAt: '2026-11-26T11:10:00.000Z',
      };
      await store.recordResult(retried);
      await store.recordResult(failed);
      await store.recordCommand(commandForFailure());
      await store.recordCommand(commandForFailure());
      expect(await store.getLog(failed.commandId)).toMatchObject({
        status: 'success',
        attempt: 2,
        error: null,
        salesforceId: '005000000000002AAA',
        activityAt: '2026-11-26T11:10:00.000Z',
        issuedAt: '2026-11-26T11:00:01.300Z',
        hasCommand: true,
        hasResult: true,
      });
      expect((await store.queryLogs({ limit: 10, format: 'json' })).records).toHaveLength(1);
      expect(await store.unnotifiedFailures(10)).toEqual([]);
    },
  );

  storeTest(
    'a command logged before its sync marker is claimed by that cycle when the marker arrives',
    async (store) => {
      await store.recordCommand(fixtures.commandCreate());
      expect((await store.getLog(fixtures.commandCreate().commandId))?.cycleId).toBeNull();
      await store.recordSyncMarker(fixtures.syncStarted(), 0);
      await store.recordSyncMarker(fixtures.syncStarted(), 1);
      expect((await store.getLog(fixtures.commandCreate().commandId))?.cycleId).toBe('full-2026-11-26T11:00:00Z');
      await store.recordSyncMarker(
        marker({ syncId: 'incr-1', mode: 'incremental', at: '2026-11-26T11:01:00.000Z' }),
        0,
      );
      // Issued before the incremental round started: it stays in the full sync; the disable, issued
      // after, belongs to the incremental round.
      await store.recordCommand(fixtures.commandDisable());
      expect((await store.getLog(fixtures.commandCreate().commandId))?.cycleId).toBe('full-2026-11-26T11:00:00Z');
      expect((await store.getLog(fixtures.commandDisable().commandId))?.cycleId).toBe('incr-1');
      const status = await store.syncStatus();
      expect(status.fullSync).toMatchObject({ state: 'in-progress', syncId: 'full-2026-11-26T11:00:00Z' });
      expect(status.latestSync).toMatchObject({ syncId: 'incr-1', mode: 'incremental' });
      expect(status.initialSyncCompleted).toBe(false);
      await store.recordSyncMarker(fixtures.syncCompleted(), 0);
      expect((await store.syncStatus()).initialSyncCompleted).toBe(true);
    },
  );

  storeTest('a batch records commands, results and markers together', async (store) => {
    const command = fixtures.commandCreate();
    await store.record([
      { kind: 'result', result: fixtures.resultSuccess() },
      { kind: 'sync-marker', marker: fixtures.syncStarted(), partition: 0 },
      { kind: 'command', command },
    ]);
    expect(await store.getLog(command.commandId)).toMatchObject({
      status: 'success',
      hasCommand: true,
      cycleId: 'full-2026-11-26T11:00:00Z',
    });
  });

  storeTest(
    'stores text PostgreSQL cannot hold with U+FFFD in place of NUL, and counters past 32 bits',
    async (store) => {
      const odd = {
        ...fixtures.resultFailure(),
        durationMs: 2 ** 40,
        error: { ...fixtures.resultFailure().error!, message: 'bad\u0000byte' },
      };
      await store.record([{ kind: 'result', result: odd }]);
      expect(await store.getLog(odd.commandId)).toMatchObject({
        durationMs: 2 ** 40,
        error: { message: 'bad\uFFFDbyte' },
      });
    },
  );

  storeTest('queries newest first with filters, and pages with a cursor', async (store) => {
    await store.recordCommand(fixtures.commandCreate());
    await store.recordResult(fixtures.resultSuccess());
    await store.recordCommand(fixtures.commandDisable());
    await store.recordCommand(commandForFailure());
    await store.recordResult(fixtures.resultFailure());
    const ids = (records: readonly { commandId: string }[]) => records.map((r) => r.commandId);
    const all = await store.queryLogs({ limit: 10, format: 'json' });
    expect(ids(all.records)).toEqual([
      fixtures.commandDisable().commandId,
      fixtures.resultFailure().commandId,
      fixtures.commandCreate().commandId,
    ]);
    expect(all.next).toBeNull();
    const first = await store.queryLogs({ limit: 2, format: 'json' });
    expect(ids(first.records)).toEqual(ids(all.records).slice(0, 2));
    expect(first.next).toEqual({
      activityAt: '2026-11-26T11:00:01.700Z',
      commandId: fixtures.resultFailure().commandId,
    });
    const rest = await store.queryLogs({ limit: 2, format: 'json', ...(first.next ? { cursor: first.next } : {}) });
    expect(ids(rest.records)).toEqual([fixtures.commandCreate().commandId]);
    expect(rest.next).toBeNull();
    const failures = await store.queryLogs({ limit: 10, format: 'json', status: ['failure'] });
    expect(ids(failures.records)).toEqual([fixtures.resultFailure().commandId]);
    const byUpn = await store.queryLogs({ limit: 10, format: 'json', userId: 'MEGAN.BOWEN@contoso.com' });
    expect(ids(byUpn.records)).toEqual([fixtures.resultFailure().commandId]);
    const byError = await store.queryLogs({ limit: 10, format: 'json', errorCode: 'SalesforceDuplicateUserName' });
    expect(ids(byError.records)).toEqual([fixtures.resultFailure().commandId]);
    const window = await store.queryLogs({
      limit: 10,
      format: 'json',
      action: ['create'],
      from: '2026-11-26T11:00:01.650Z',
      to: '2026-11-26T11:00:02.000Z',
    });
    expect(ids(window.records)).toEqual([fixtures.resultFailure().commandId]);
    const exported = await store.exportLogs({ limit: 2, format: 'json' });
    const streamed: string[] = [];
    for await (const record of exported.records) streamed.push(record.commandId);
    expect(streamed).toEqual(ids(first.records));
    expect(exported.next).toEqual(first.next);
  });

  storeTest('keeps who asked for a command with its row', async (store) => {
    const by = { kind: 'user' as const, id: 'oid-1', name: 'Provision Admin <admin@contoso.com> (user oid-1)' };
    await store.recordCommand({ ...fixtures.commandCreate(), origin: 'on-demand', initiatedBy: by });
    await store.recordCommand(commandForFailure());
    expect(await store.getLog(fixtures.commandCreate().commandId)).toMatchObject({
      origin: 'on-demand',
      initiatedBy: by,
    });
    expect((await store.getLog(commandForFailure().commandId))?.initiatedBy).toBeNull();
  });

  storeTest('records a dead letter once per topic, partition and offset, and lists the newest first', async (store) => {
    await store.recordDeadLetter(deadLetter('7'));
    await store.recordDeadLetter(deadLetter('7'));
    await store.recordDeadLetter(deadLetter('8'));
    const letters = await store.listDeadLetters(10);
    expect(letters.map((l) => l.offset)).toEqual(['8', '7']);
    expect(letters[0]).toMatchObject({ ...deadLetter('8'), receivedAt: expect.any(String) });
    expect(await store.listDeadLetters(1)).toHaveLength(1);
    expect((await store.syncStatus()).deadLetters).toEqual({ total: 2, latestAt: letters[0]?.receivedAt });
  });

  storeTest('reports each failure once, and marks nothing when the send fails', async (store) => {
    await store.recordResult({ ...fixtures.resultFailure(), commandId: 'c-1', userId: 'u-1' });
    await store.recordResult({ ...fixtures.resultFailure(), commandId: 'c-2', userId: 'u-2' });
    await expect(
      store.reportFailures(10, new Date(), async () => {
        throw new Error('421 try later');
      }),
    ).rejects.toThrow(/421/);
    expect((await store.unnotifiedFailures(10)).map((f) => f.commandId)).toEqual(['c-1', 'c-2']);
    const sent: string[] = [];
    expect(await store.reportFailures(1, new Date(), async (f) => void sent.push(...f.map((x) => x.commandId)))).toBe(
      1,
    );
    expect(await store.reportFailures(10, new Date(), async (f) => void sent.push(...f.map((x) => x.commandId)))).toBe(
      1,
    );
    expect(await store.reportFailures(10, new Date(), async () => undefined)).toBe(0);
    expect(sent).toEqual(['c-1', 'c-2']);
    expect(await store.unnotifiedFailures(10)).toEqual([]);
    // A later attempt that fails again is a new failure to report.
    await store.recordResult({ ...fixtures.resultFailure(), commandId: 'c-1', userId: 'u-1', attempt: 2 });
    expect(await store.unnotifiedFailures(10)).toEqual([
      {
        commandId: 'c-1',
        userId: 'u-1',
        userPrincipalName: null,
        action: 'create',
        errorCode: 'SalesforceDuplicateUserName',
        reason: fixtures.resultFailure().error?.message,
        recommendedAction: fixtures.resultFailure().error?.recommendedAction,
        completedAt: '2026-11-26T11:00:01.700Z',
      },
    ]);
  });

  storeTest('counts progress and outcomes since the latest full sync started', async (store) => {
    await store.recordSyncMarker(fixtures.syncStarted(), 0);
    await store.recordCommand(fixtures.commandCreate());
    await store.recordResult(fixtures.resultSuccess());
    await store.recordCommand(commandForFailure());
    await store.recordResult(fixtures.resultFailure());
    await store.recordCommand(fixtures.commandDisable());
    const status = await store.syncStatus();
    expect(status.progress).toEqual({
      since: '2026-11-26T11:00:00.000Z',
      commandsIssued: 3,
      resultsReceived: 2,
      pending: 1,
    });
    expect(status.counts).toEqual({
      byStatus: { success: 1, failure: 1, pending: 1 },
      byAction: { create: 2, disable: 1 },
      byErrorCode: { SalesforceDuplicateUserName: 1 },
      byOutcome: { created: 1, failed: 1, pending: 1 },
    });
    expect(status.lastChange).toMatchObject({ commandId: fixtures.resultFailure().commandId, status: 'failure' });
  });

  storeTest(
    'retention deletes rows, dead letters and sync runs older than the cutoff, keeping the latest full sync',
    async (store) => {
      await store.recordSyncMarker(fixtures.syncStarted(), 0);
      await store.recordSyncMarker(fixtures.syncCompleted(), 0);
      await store.recordSyncMarker(
        marker({ syncId: 'incr-old', mode: 'incremental', at: '2026-11-27T00:00:00.000Z' }),
        0,
      );
      await store.recordSyncMarker(
        marker({ syncId: 'incr-new', mode: 'incremental', at: '2099-01-01T00:00:00.000Z' }),
        0,
      );
      await store.recordCommand(fixtures.commandCreate());
      await store.recordResult(fixtures.resultSuccess());
      await store.recordCommand({ ...fixtures.commandDisable(), issuedAt: '2099-01-01T00:00:01.000Z' });
      await store.recordDeadLetter(deadLetter('7'));
      // Dead letters are stamped when received (now): a cutoff a minute ahead takes them.
      const deleted = await store.deleteOlderThan(new Date(Date.now() + 60_000));
      expect(deleted).toEqual({ logs: 1, deadLetters: 1, syncs: 1 });
      const left = await store.queryLogs({ limit: 10, format: 'json' });
      expect(left.records.map((r) => r.commandId)).toEqual([fixtures.commandDisable().commandId]);
      const status = await store.syncStatus();
      expect(status.fullSync).toMatchObject({ syncId: 'full-2026-11-26T11:00:00Z' });
      expect(status.latestSync).toMatchObject({ syncId: 'incr-new' });
      expect(status.deadLetters.total).toBe(0);
    },
  );
});
