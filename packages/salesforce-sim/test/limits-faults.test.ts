import type { Connection } from 'jsforce';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceSim } from '../src/index.ts';
import { adminConnection, caught, startSim, userRecord } from './helpers.ts';

describe('limits and injected faults', () => {
  let sim: SalesforceSim;
  let conn: Connection;

  beforeAll(async () => {
    sim = await startSim({ org: { edition: 'Developer Edition' } });
    conn = await adminConnection(sim);
  });
  afterEach(() => {
    sim.admin.clearFaults();
  });
  afterAll(async () => {
    await sim.close();
  });

  it('gives a Developer Edition org 15,000 requests a day and 5 concurrent long-running requests', () => {
    expect(sim.admin.summary(sim.orgId).settings).toMatchObject({
      apiDailyLimit: 15_000,
      concurrentLongRunningLimit: 5,
    });
  });

  it('answers 403 REQUEST_LIMIT_EXCEEDED once the daily allocation is spent', async () => {
    sim.admin.updateOrg(sim.orgId, { apiUsed: 15_000 });
    try {
      const error = await caught(() => conn.query('SELECT Id FROM User'));
      expect(error).toMatchObject({ name: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' });
      expect(conn.limitInfo.apiUsage).toEqual({ used: 15_000, limit: 15_000 });
    } finally {
      sim.admin.updateOrg(sim.orgId, { apiUsed: 0 });
    }
  });

  it('refuses a request while the concurrent long-running requests are at the limit', async () => {
    // Every request in flight counts as long-running (threshold 0); one slow request fills the limit of 1.
    sim.admin.updateOrg(sim.orgId, { settings: { longRunningThresholdMs: 0, concurrentLongRunningLimit: 1 } });
    sim.admin.setFaults({ latency: { minMs: 300, maxMs: 300 }, pathContains: 'LongRunning' });
    try {
      const used = () => sim.admin.summary(sim.orgId).apiUsage.used;
      const before = used();
      const slow = (async () => conn.query("SELECT Id FROM User WHERE LastName = 'LongRunning'"))();
      while (used() === before) await new Promise((resolve) => setImmediate(resolve));
      const refused = await caught(() => conn.query('SELECT Id FROM User LIMIT 1'));
      expect(refused).toMatchObject({
        name: 'REQUEST_LIMIT_EXCEEDED',
        message: 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.',
      });
      await slow;
      expect((await conn.query('SELECT Id FROM User LIMIT 1')).records).toHaveLength(1);
    } finally {
      sim.admin.updateOrg(sim.orgId, { settings: { longRunningThresholdMs: 20_000, concurrentLongRunningLimit: 5 } });
    }
  });

  it('adds injected latency', async () => {
    sim.admin.setFaults({ latency: { minMs: 150, maxMs: 150 } });
    const start = performance.now();
    await conn.query('SELECT Id FROM User LIMIT 1');
    expect(performance.now() - start).toBeGreaterThanOrEqual(140);
  });

  it('answers bursts of 503 and 429 with Retry-After; jsforce retries GETs through them', async () => {
    sim.admin.setFaults({ burst: { status: 503, count: 1, retryAfterSeconds: 2 } });
    const raw = await fetch(`${sim.url}/services/data/v62.0/limits`, {
      headers: { authorization: `Bearer ${conn.accessToken}` },
    });
    expect(raw.status).toBe(503);
    expect(raw.headers.get('retry-after')).toBe('2');
    expect(await raw.json()).toEqual([
      { message: 'Server temporarily unavailable. Retry later.', errorCode: 'SERVER_UNAVAILABLE' },
    ]);
    sim.admin.setFaults({ burst: { status: 429, count: 1 } });
    expect((await conn.query('SELECT Id FROM User LIMIT 1')).records).toHaveLength(1);
    expect(sim.admin.faults().burst?.count).toBe(0);
  });

  it('fails POSTs on a 5xx without a retry by jsforce', async () => {
    sim.admin.setFaults({ serverErrorRate: 1, pathContains: '/composite/sobjects' });
    const error = await caught(() => conn.sobject('User').create([{ LastName: 'x' }]));
    expect(error.name).toBe('UNKNOWN_EXCEPTION');
  });

  it('refuses Collections records with UNABLE_TO_LOCK_ROW, one result per record, nothing written', async () => {
    sim.admin.setFaults({ unableToLockRowRate: 1 });
    const before = sim.admin.users(sim.orgId).length;
    const response = await fetch(`${sim.url}/services/data/v62.0/composite/sobjects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${conn.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        allOrNone: false,
        records: [userRecord(sim), userRecord(sim)].map((r) => ({ attributes: { type: 'User' }, ...r })),
      }),
    });
    expect(response.status).toBe(200);
    const results = (await response.json()) as { success: boolean; errors: { statusCode: string }[] }[];
    expect(results.map((r) => [r.success, r.errors.map((e) => e.statusCode)])).toEqual([
      [false, ['UNABLE_TO_LOCK_ROW']],
      [false, ['UNABLE_TO_LOCK_ROW']],
    ]);
    expect(sim.admin.users(sim.orgId)).toHaveLength(before);
  });

  it('drops connections without an answer', async () => {
    sim.admin.setFaults({ dropConnections: { count: 1 }, pathContains: '/composite/sobjects' });
    const error = await caught(() => conn.sobject('User').create([{ LastName: 'x' }]));
    expect(error).toBeInstanceOf(TypeError);
    expect(sim.admin.faults().dropConnections?.count).toBe(0);
  });

  it('counts requests per endpoint', async () => {
    sim.admin.resetRequestCounts();
    await conn.query('SELECT Id FROM User LIMIT 1');
    await conn.sobject('User').describe();
    expect(sim.admin.requestCounts()).toEqual({
      'GET /services/data/:version/query': 1,
      'GET /services/data/:version/sobjects/:type/describe': 1,
    });
  });

  it('serves the admin API over HTTP', async () => {
    const put = await fetch(`${sim.url}/__admin/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ burst: { status: 418, count: 1 } }),
    });
    expect(put.status).toBe(400);
    expect(await put.json()).toEqual({ error: 'burst needs status 429 or 503 and a count' });
    const created = await fetch(`${sim.url}/__admin/orgs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Seeded',
        licences: [{ name: 'Salesforce', total: 2 }],
        profiles: [{ name: 'Admin', licence: 'Salesforce', permissions: { ApiEnabled: true, ManageUsers: true } }],
        admin: { profile: 'Admin' },
      }),
    });
    expect(created.status).toBe(201);
    const org = (await created.json()) as { orgId: string };
    const summary = (await (await fetch(`${sim.url}/__admin/orgs/${org.orgId}`)).json()) as { licences: unknown[] };
    expect(summary.licences).toEqual([{ id: expect.any(String), name: 'Salesforce', total: 2, used: 1 }]);
    const missing = await fetch(`${sim.url}/__admin/orgs/nope`);
    expect(missing.status).toBe(404);
  });
});
