import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { expect } from 'vitest';
import { PgAuditLogStore } from '../src/adapters/pg-audit-log-store.ts';
import { fixtures } from '../src/testing/fixtures.ts';

// What both stores do (joins, cycles, retention, NULs, reporting) is in store-contract.test.ts;
// what only PostgreSQL can show is here.

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

test('a batch is written in one transaction: all of it, or none of it', async ({ postgres }) => {
  const store = new PgAuditLogStore({ connectionString: postgres.serverUrl, schema: postgres.schema });
  try {
    await store.migrate();
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
