import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createTestIssuer } from '@provision/auth/testing';
import { createLogger, createMetrics } from '@provision/telemetry';
import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { expect } from 'vitest';
import { PgAuditLogStore } from '../src/adapters/pg-audit-log-store.ts';
import { buildService } from '../src/app.ts';
import type { AuditLogStore, LogExport } from '../src/domain/ports.ts';
import { InMemoryEventSource } from '../src/testing/fakes.ts';

const ROWS = 30_000;

// Retained heap, not garbage that a collection would free: the export is judged on what it keeps.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const retained = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

// Row i of the seeded log: user principal names and reasons that a spreadsheet would run as
// formulas, or that need quoting (comma, quote, newline). About 1 KB each.
const UPN = (i: number) =>
  [`plain${i}@contoso.com`, `=cmd|' /C calc'!A0`, `a,b"c${i}`, '+1 line\nbreak', `-@${i}`][i % 5]!;
const REASON = (i: number) => `@SUM(1,2) ${i} ${'x'.repeat(1000)}`;

async function seed(store: PgAuditLogStore): Promise<void> {
  await store.pool.query(
    `INSERT INTO provisioning_log (command_id, change_id, user_id, action, status, user_principal_name,
       salesforce_id, error_code, error_message, error_retriable, duration_ms, activity_at, has_command, has_result)
     SELECT 'cmd-' || lpad(i::text, 6, '0'), 'chg-' || i, 'user-' || i, 'update', 'failure',
       CASE i % 5 WHEN 0 THEN 'plain' || i || '@contoso.com' WHEN 1 THEN '=cmd|'' /C calc''!A0'
         WHEN 2 THEN 'a,b"c' || i WHEN 3 THEN '+1 line' || chr(10) || 'break' ELSE '-@' || i END,
       '005' || lpad(i::text, 15, '0'), 'SalesforceRequiredFieldMissing', '@SUM(1,2) ' || i || ' ' || repeat('x', 1000),
       false, i % 1000, timestamptz '2026-01-01T00:00:00Z' + i * interval '1 millisecond', true, true
     FROM generate_series(1, $1::int) AS i`,
    [ROWS],
  );
}

// The test's own reading of RFC 4180 and OWASP's CSV-injection advice, independent of the code's.
function cell(value: string | number | boolean | null): string {
  if (value === null || value === '') return '';
  let text = String(value);
  if (typeof value === 'string' && '=+-@\t\r'.includes(text[0]!)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function expectedLine(i: number): string {
  const at = new Date(Date.UTC(2026, 0, 1) + i).toISOString();
  const id = String(i).padStart(6, '0');
  return [
    at,
    `cmd-${id}`,
    `chg-${i}`,
    null,
    'update',
    'update',
    'failure',
    `user-${i}`,
    UPN(i),
    `005${String(i).padStart(15, '0')}`,
    null,
    'SalesforceRequiredFieldMissing',
    REASON(i),
    null,
    i % 1000,
    '',
    '',
    false,
    null,
  ]
    .map(cell)
    .join(',');
}

/** Counts the rows the store has handed out, to tell when the first bytes left the server. */
function counting(store: AuditLogStore): { store: AuditLogStore; read: () => number } {
  let read = 0;
  const wrapped = Object.create(store) as AuditLogStore;
  wrapped.exportLogs = async (q) => {
    const opened = await store.exportLogs(q);
    async function* records() {
      for await (const r of opened.records) {
        read++;
        yield r;
      }
    }
    return { next: opened.next, records: records(), close: () => opened.close() } satisfies LogExport;
  };
  return { store: wrapped, read: () => read };
}

/** The audit over a real socket, and `get` that signs in as a reader. */
async function startAudit(store: AuditLogStore) {
  const issuer = await createTestIssuer();
  const service = buildService({
    store,
    events: new InMemoryEventSource(),
    logger: createLogger({ service: 'audit', level: 'silent' }),
    metrics: createMetrics('audit'),
    retentionDays: 100_000,
    auth: { verifier: issuer.verifier, dashboard: null },
  });
  await service.start();
  await service.http.listen({ port: 0, host: '127.0.0.1' });
  const { port } = service.http.server.address() as AddressInfo;
  const authorization = `Bearer ${await issuer.userToken(['Provision.Read'])}`;
  const get = (path: string, init: RequestInit = {}) =>
    fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers: { authorization } });
  return { service, get };
}

test('exports 30,000 rows as CSV through the real route, streamed: exact quoting and escaping, flat memory', async ({
  postgres,
}) => {
  const pgStore = new PgAuditLogStore({ connectionString: postgres.serverUrl, schema: postgres.schema });
  await pgStore.migrate();
  await seed(pgStore);
  const counted = counting(pgStore);
  const { service, get } = await startAudit(counted.store);
  try {
    const before = retained();
    const answer = await get(`/api/provisioning-logs?format=csv&limit=${ROWS}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(answer.headers.get('x-next-cursor')).toBeNull();

    const decoder = new TextDecoder();
    let pending = '';
    let lines = 0;
    let bytes = 0;
    let readAtFirstChunk = -1;
    let peak = 0;
    let chunks = 0;
    const mismatches: string[] = [];
    for await (const chunk of answer.body!) {
      if (readAtFirstChunk < 0) readAtFirstChunk = counted.read();
      bytes += chunk.byteLength;
      pending += decoder.decode(chunk, { stream: true });
      const parts = pending.split('\r\n');
      pending = parts.pop()!;
      for (const line of parts) {
        // Rows come newest first: row ROWS, then ROWS - 1, … down to 1, after the header.
        const expected = lines === 0 ? HEADER : expectedLine(ROWS - lines + 1);
        if (line !== expected && mismatches.length < 3) mismatches.push(`line ${lines + 1}: ${line.slice(0, 120)}`);
        lines++;
      }
      if (++chunks % 25 === 0) peak = Math.max(peak, retained() - before);
    }
    expect(pending).toBe('');
    expect(mismatches).toEqual([]);
    expect(lines).toBe(ROWS + 1);
    // The first bytes left before the database had been read to the end…
    expect(readAtFirstChunk).toBeGreaterThan(0);
    expect(readAtFirstChunk).toBeLessThan(ROWS / 2);
    // …and the server never held more than a small part of the ~33 MB answer.
    expect(bytes).toBeGreaterThan(30_000_000);
    expect(peak).toBeLessThan(bytes / 4);
    // The export's connection went back to the pool.
    await waitFor(() => pgStore.pool.totalCount === pgStore.pool.idleCount, { message: 'connection released' });
  } finally {
    await service.stop();
    await pgStore.close();
  }
}, 180_000);

const HEADER =
  'activityDateTime,commandId,changeId,cycleId,action,provisioningAction,status,sourceId,sourceUserPrincipalName,targetId,linkedBy,errorCode,reason,recommendedAction,durationInMilliseconds,modifiedProperties,reasons,dryRun,attempt';

test('NDJSON export: one entry per line, the next page in x-next-cursor; a reader that leaves frees its connection; a third export at once gets 429', async ({
  postgres,
}) => {
  const pgStore = new PgAuditLogStore({
    connectionString: postgres.serverUrl,
    schema: postgres.schema,
    exportBatchSize: 50,
  });
  await pgStore.migrate();
  await pgStore.pool.query(
    `INSERT INTO provisioning_log (command_id, change_id, user_id, action, status, activity_at, has_command)
     SELECT 'cmd-' || lpad(i::text, 6, '0'), 'chg-' || i, 'user-' || i, 'create', 'pending',
       timestamptz '2026-01-01T00:00:00Z' + i * interval '1 second', true
     FROM generate_series(1, 5000) AS i`,
  );
  const { service, get } = await startAudit(pgStore);
  try {
    const page = await get(`/api/provisioning-logs?format=ndjson&limit=3`);
    expect(page.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const entries = (await page.text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(entries.map((e) => e.commandId)).toEqual(['cmd-005000', 'cmd-004999', 'cmd-004998']);
    const next = page.headers.get('x-next-cursor');
    expect(next).not.toBeNull();
    const following = await get(`/api/provisioning-logs?format=ndjson&limit=1&cursor=${next}`);
    expect(JSON.parse(await following.text()).commandId).toBe('cmd-004997');

    // Two readers that stall hold the two export slots; a third is told to come back.
    const stalled = [new AbortController(), new AbortController()];
    const open = await Promise.all(
      stalled.map((c) => get(`/api/provisioning-logs?format=csv&limit=5000`, { signal: c.signal })),
    );
    for (const answer of open) await answer.body!.getReader().read();
    const third = await get(`/api/provisioning-logs?format=csv`);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('5');
    await third.text();
    // JSON pages are not exports: still served.
    expect((await get(`/api/provisioning-logs?limit=1`)).status).toBe(200);

    for (const c of stalled) c.abort();
    await waitFor(() => pgStore.pool.totalCount === pgStore.pool.idleCount, { message: 'connections released' });
    await waitFor(
      async () => {
        const answer = await get(`/api/provisioning-logs?format=csv&limit=1`);
        await answer.text();
        return answer.status === 200;
      },
      { message: 'export slots free again' },
    );
  } finally {
    // fetch keeps idle connections (and may open one it never uses), which a server close waits for.
    service.http.server.closeAllConnections();
    await service.stop();
    await pgStore.close();
  }
});

test('every query runs under a statement timeout', async ({ postgres }) => {
  const pgStore = new PgAuditLogStore({
    connectionString: postgres.serverUrl,
    schema: postgres.schema,
    statementTimeoutMs: 200,
  });
  try {
    await expect(pgStore.pool.query('SELECT pg_sleep(2)')).rejects.toThrow(/statement timeout/);
    // Migrations are exempt: they may legitimately take longer.
    await pgStore.migrate();
    await expect(pgStore.pool.query('SHOW statement_timeout')).resolves.toMatchObject({
      rows: [{ statement_timeout: '200ms' }],
    });
  } finally {
    await pgStore.close();
  }
});
