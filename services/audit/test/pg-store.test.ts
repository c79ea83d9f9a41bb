import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { expect } from 'vitest';
import { PgAuditLogStore } from '../src/adapters/pg-audit-log-store.ts';
import { commandForFailure, fixtures } from '../src/testing/fixtures.ts';

test('migrations run once, even from two replicas starting together', async ({ postgres }) => {
  const a = new PgAuditLogStore({ connectionString: postgres.serverUrl, schema: postgres.schema });
  const b = new PgAuditLogStore({ connectionString: postgres.serverUrl, schema: postgres.schema });
  try {
    await Promise.all([a.migrate(), b.migrate()]);
    await a.migrate();
    const { rows } = await a.pool.query('SELECT name FROM schema_migrations ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual([
      '001_provisioning_log.sql',
      '002_dead_letter_payload_encoding.sql',
      '003_bigint_counters.sql',
      '004_initiated_by.sql',
    ]);
    const tables = await a.pool.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
      [postgres.schema],
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual([
      'dead_letters',
      'provisioning_log',
      'schema_migrations',
      'sync_runs',
    ]);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('a redelivered or older result never overwrites a later attempt, and a redelivered command keeps the result', async ({
  postgres,
}) => {
  const store = new PgAuditLogStore({ connectionString: postgres.serverUrl, schema: postgres.schema });
  try {
    await store.migrate();
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
    const row = await store.getLog(failed.commandId);
    expect(row).toMatchObject({
      status: 'success',
      attempt: 2,
      error: null,
      salesforceId: '005000000000002AAA',
      activityAt: '2026-11-26T11:10:00.000Z',
      issuedAt: '2026-11-26T11:00:01.300Z',
      userPrincipalName: 'megan.bowen@contoso.com',
      hasCommand: true,
      hasResult: true,
    });
    expect((await store.queryLogs({ limit: 10, format: 'json' })).records).toHaveLength(1);
    expect(await store.unnotifiedFailures(10)).toEqual([]);
  } finally {
    await store.close();
  }
});

test('a command logged before its sync marker is claimed by that cycle when the marker arrives', async ({
  postgres,
}) => {
  const store = new PgAuditLogStore({ connectionString: postgres.serverUrl, schema: postgres.schema });
  try {
    await store.migrate();
    await store.recordCommand(fixtures.commandCreate());
    expect((await store.getLog(fixtures.commandCreate().commandId))?.cycleId).toBeNull();
    await store.recordSyncMarker(fixtures.syncStarted(), 0);
    await store.recordSyncMarker(fixtures.syncStarted(), 1);
    expect((await store.getLog(fixtures.commandCreate().commandId))?.cycleId).toBe('full-2026-11-26T11:00:00Z');
    const later = {
      ...fixtures.syncStarted(),
      syncId: 'incr-1',
      mode: 'incremental' as const,
      at: '2026-11-26T11:01:00.000Z',
    };
    await store.recordSyncMarker(later, 0);
    // Issued before the incremental round started: it stays in the full sync.
    expect((await store.getLog(fixtures.commandCreate().commandId))?.cycleId).toBe('full-2026-11-26T11:00:00Z');
    const status = await store.syncStatus();
    expect(status.fullSync).toMatchObject({ state: 'in-progress', syncId: 'full-2026-11-26T11:00:00Z' });
    expect(status.latestSync).toMatchObject({ syncId: 'incr-1', mode: 'incremental' });
  } finally {
    await store.close();
  }
});

test('retention deletes log rows and dead letters older than the cutoff, keeping the latest full sync', async ({
  postgres,
}) => {
  const store = new PgAuditLogStore({ connectionString: postgres.serverUrl, schema: postgres.schema });
  try {
    await store.migrate();
    await store.recordSyncMarker(fixtures.syncStarted(), 0);
    await store.recordCommand(fixtures.commandCreate());
    await store.recordResult(fixtures.resultSuccess());
    await store.recordCommand({ ...fixtures.commandDisable(), issuedAt: '2026-12-20T00:00:00.000Z' });
    await store.recordDeadLetter({
      topic: 'provisioning.commands.dlq.v1',
      sourceTopic: 'provisioning.commands.v1',
      partition: 0,
      offset: '7',
      key: 'u',
      reason: 'value is not JSON',
      errorCode: 'PRV_EVENT_UNDECODABLE',
      headers: {},
      payload: '{',
      payloadEncoding: 'utf8',
    });
    await store.pool.query(`UPDATE dead_letters SET received_at = '2026-11-01T00:00:00Z'`);
    const deleted = await store.deleteOlderThan(new Date('2026-12-01T00:00:00Z'));
    expect(deleted).toEqual({ logs: 1, deadLetters: 1, syncs: 0 });
    const left = await store.queryLogs({ limit: 10, format: 'json' });
    expect(left.records.map((r) => r.commandId)).toEqual([fixtures.commandDisable().commandId]);
    expect((await store.syncStatus()).fullSync).toMatchObject({ syncId: 'full-2026-11-26T11:00:00Z' });
  } finally {
    await store.close();
  }
});

test('a batch is written in one transaction: all of it, or none of it', async ({ postgres }) => {
  const store = new PgAuditLogStore({ connectionString: postgres.serverUrl, schema: postgres.schema });
  try {
    await store.migrate();
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
    // Values PostgreSQL's types could refuse are stored: NULs in text, counters past integer.
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
    // A row that fails takes the whole batch with it.
    await store.pool.query('ALTER TABLE sync_runs RENAME TO sync_runs_gone');
    const poison = { ...fixtures.commandDisable(), commandId: 'c-rolled-back' };
    await expect(
      store.record([
        { kind: 'command', command: poison },
        { kind: 'sync-marker', marker: fixtures.syncCompleted(), partition: 0 },
      ]),
    ).rejects.toThrow(/sync_runs/);
    await store.pool.query('ALTER TABLE sync_runs_gone RENAME TO sync_runs');
    expect(await store.getLog(poison.commandId)).toBeNull();
  } finally {
    await store.close();
  }
});

test('two replicas reporting failures at once never report one twice', async ({ postgres }) => {
  const a = new PgAuditLogStore({ connectionString: postgres.serverUrl, schema: postgres.schema });
  const b = new PgAuditLogStore({ connectionString: postgres.serverUrl, schema: postgres.schema });
  try {
    await a.migrate();
    for (let i = 0; i < 10; i++) {
      await a.recordResult({ ...fixtures.resultFailure(), commandId: `c-${i}`, userId: `u-${i}` });
    }
    const reported: string[] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Replica A holds 4 failures while its email is on the way; replica B takes the other 6.
    const first = a.reportFailures(4, new Date(), async (failures) => {
      reported.push(...failures.map((f) => f.commandId));
      await held;
    });
    await waitFor(() => reported.length === 4);
    const second = await b.reportFailures(100, new Date(), async (failures) => {
      reported.push(...failures.map((f) => f.commandId));
    });
    release();
    expect([await first, second]).toEqual([4, 6]);
    expect(new Set(reported).size).toBe(10);
    // A send that fails marks nothing.
    await a.recordResult({ ...fixtures.resultFailure(), commandId: 'c-late', userId: 'u-late' });
    await expect(
      a.reportFailures(10, new Date(), async () => {
        throw new Error('421 try later');
      }),
    ).rejects.toThrow(/421/);
    expect((await a.unnotifiedFailures(10)).map((f) => f.commandId)).toEqual(['c-late']);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('who asked for a command (a guard release, provision on demand) is kept with its row', async ({ postgres }) => {
  const store = new PgAuditLogStore({ connectionString: postgres.serverUrl, schema: postgres.schema });
  try {
    await store.migrate();
    const by = { kind: 'user' as const, id: 'oid-1', name: 'Provision Admin <admin@contoso.com> (user oid-1)' };
    await store.recordCommand({ ...fixtures.commandCreate(), origin: 'on-demand', initiatedBy: by });
    await store.recordCommand(commandForFailure());
    expect(await store.getLog(fixtures.commandCreate().commandId)).toMatchObject({
      origin: 'on-demand',
      initiatedBy: by,
    });
    expect((await store.getLog(commandForFailure().commandId))?.initiatedBy).toBeNull();
  } finally {
    await store.close();
  }
});
