import type { Connection } from 'jsforce';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceSim } from '../src/index.ts';
import { RollingCount } from '../src/rolling-count.ts';
import { adminConnection, caught, startSim, userRecord } from './helpers.ts';

type Save = {
  id?: string | null;
  success: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
};

describe('the performance model and org rules, through jsforce', () => {
  let sim: SalesforceSim;
  let conn: Connection;

  beforeAll(async () => {
    sim = await startSim();
    conn = await adminConnection(sim);
  });
  afterEach(() => {
    sim.admin.setModel({ profile: 'instant' });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('is instant by default and realistic on request, each parameter overridable', () => {
    expect(sim.admin.model()).toMatchObject({ profile: 'instant', lockPerOverlap: 0 });
    expect(sim.admin.setModel({ profile: 'realistic' })).toMatchObject({
      profile: 'realistic',
      costs: { userInsert: { baseMs: 400, perRecordMs: 15 }, query: { baseMs: 100 } },
    });
    expect(sim.admin.setModel({ costs: { userInsert: { baseMs: 50 } } })).toMatchObject({
      profile: 'custom',
      costs: { userInsert: { baseMs: 50, perRecordMs: 15 } },
    });
  });

  it('refuses an unknown model parameter or profile through the admin API, naming it', async () => {
    const put = (body: unknown) =>
      fetch(`${sim.url}/__admin/model`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const unknown = await put({ lockChance: 1 });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ error: "unknown model parameter 'lockChance'" });
    expect(await (await put({ profile: 'slow' })).json()).toEqual({
      error: "unknown model profile 'slow' (expected instant or realistic)",
    });
    expect(await (await put({ costs: { userInsert: { baseMs: -1 } } })).json()).toEqual({
      error: 'costs.userInsert.baseMs must be a number ≥ 0 (got -1)',
    });
    expect(await (await put({ profile: 'realistic' })).json()).toMatchObject({ profile: 'realistic' });
    expect(await (await fetch(`${sim.url}/__admin/model`)).json()).toMatchObject({ profile: 'realistic' });
  });

  it('makes a Collections insert cost its base plus its records, and a query far less', async () => {
    sim.admin.setModel({
      profile: 'realistic',
      costs: { userInsert: { baseMs: 100, perRecordMs: 2 }, query: { baseMs: 20, perRecordMs: 0 } },
    });
    const records = Array.from({ length: 200 }, () => userRecord(sim));
    const start = performance.now();
    const saved = (await conn.sobject('User').create(records, { allOrNone: false })) as Save[];
    const insertMs = performance.now() - start;
    expect(saved.every((s) => s.success)).toBe(true);
    expect(insertMs).toBeGreaterThanOrEqual(500);
    const queryStart = performance.now();
    await conn.query('SELECT Id FROM User LIMIT 1');
    expect(performance.now() - queryStart).toBeGreaterThanOrEqual(20);
  });

  it('prices a Composite call as its subrequests one after the other, one User write in flight', async () => {
    // Certain contention between overlapping User writes: a Composite call's own subrequests do not overlap.
    sim.admin.setModel({
      costs: { userInsert: { baseMs: 100, perRecordMs: 0 }, query: { baseMs: 30, perRecordMs: 0 } },
      lockPerOverlap: 1,
      lockMax: 1,
    });
    const sub = (referenceId: string) => ({
      method: 'POST',
      url: '/services/data/v62.0/composite/sobjects',
      referenceId,
      body: { allOrNone: false, records: [{ attributes: { type: 'User' }, ...userRecord(sim) }] },
    });
    const query = { method: 'GET', url: '/services/data/v62.0/query?q=SELECT+Id+FROM+User+LIMIT+1', referenceId: 'q' };
    const start = performance.now();
    const answer = await conn.requestPost<{ compositeResponse: { body: Save[] }[] }>('/composite', {
      compositeRequest: [sub('a'), sub('b'), sub('c'), query],
    });
    expect(performance.now() - start).toBeGreaterThanOrEqual(330);
    const saved = answer.compositeResponse.slice(0, 3).flatMap((r) => r.body);
    expect(saved.map((s) => s.success)).toEqual([true, true, true]);
  });

  it('refuses records of overlapping User inserts with UNABLE_TO_LOCK_ROW, and not a lone one', async () => {
    // Certain contention: every record of a write that overlaps another is locked.
    sim.admin.setModel({ costs: { userInsert: { baseMs: 200, perRecordMs: 0 } }, lockPerOverlap: 1, lockMax: 1 });
    const batch = () => [userRecord(sim), userRecord(sim)];
    const [a, b] = (await Promise.all([
      conn.sobject('User').create(batch(), { allOrNone: false }),
      conn.sobject('User').create(batch(), { allOrNone: false }),
    ])) as [Save[], Save[]];
    for (const result of [...a, ...b]) {
      expect(result).toMatchObject({ success: false, errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW' }] });
      expect(result.errors[0]?.message).toMatch(/^unable to obtain exclusive access to this record or 1 records: /);
    }
    const alone = (await conn.sobject('User').create(batch(), { allOrNone: false })) as Save[];
    expect(alone.every((s) => s.success)).toBe(true);
  });

  it('records the most requests in flight and the refusals of each limit in the org summary', async () => {
    sim.admin.resetLoad(sim.orgId);
    sim.admin.setModel({ costs: { query: { baseMs: 100 } } });
    await Promise.all([conn.query('SELECT Id FROM User LIMIT 1'), conn.query('SELECT Id FROM User LIMIT 1')]);
    sim.admin.updateOrg(sim.orgId, { apiUsed: sim.admin.summary(sim.orgId).apiUsage.limit });
    await caught(() => conn.query('SELECT Id FROM User LIMIT 1'));
    sim.admin.updateOrg(sim.orgId, { apiUsed: 0 });
    const load = sim.admin.summary(sim.orgId).load;
    expect(load).toMatchObject({ maxInFlight: 2, maxLongRunning: 0, refusedDaily: 1, refusedConcurrent: 0 });
    // Two queries of 100 ms each were answered (the refused one is not counted as processed).
    expect(load.requestMs).toBeGreaterThanOrEqual(190);
    expect(load.userWriteMs).toBe(0);
    expect(load.userWriteBusyMs).toBe(0);
  });

  it('records how long User writes kept the org busy: summed, and with at least one in flight', async () => {
    sim.admin.resetLoad(sim.orgId);
    sim.admin.setModel({
      costs: { userInsert: { baseMs: 150, perRecordMs: 0 } },
      lockPerOverlap: 0,
      slowdownPerOverlap: 0,
    });
    const batch = () => [userRecord(sim), userRecord(sim)];
    await Promise.all([
      conn.sobject('User').create(batch(), { allOrNone: false }),
      conn.sobject('User').create(batch(), { allOrNone: false }),
    ]);
    const load = sim.admin.summary(sim.orgId).load;
    // Two overlapping writes of ~150 ms: ~300 ms of writes, in a window of little more than 150 ms.
    expect(load.userWriteMs).toBeGreaterThanOrEqual(290);
    expect(load.userWriteBusyMs).toBeGreaterThanOrEqual(145);
    expect(load.userWriteBusyMs).toBeLessThan(load.userWriteMs);
    // A request's end and its write's end are noted by two response hooks, which can fall a
    // millisecond apart: up to 1 ms per request (2 here) either way.
    expect(load.requestMs).toBeGreaterThanOrEqual(load.userWriteMs - 2);
  });

  it('reports the rolling daily usage in Sforce-Limit-Info on every answer', async () => {
    sim.admin.updateOrg(sim.orgId, { apiUsed: 41 });
    await conn.query('SELECT Id FROM User LIMIT 1');
    expect(conn.limitInfo.apiUsage).toEqual({ used: 42, limit: sim.admin.summary(sim.orgId).apiUsage.limit });
  });

  it('refuses a feature-licence flag once the org has none of that licence left', async () => {
    sim.admin.updateOrg(sim.orgId, { featureLicences: { UserPermissionsMarketingUser: 1 } });
    try {
      const first = (await conn
        .sobject('User')
        .create(userRecord(sim, { UserPermissionsMarketingUser: true }, 'Standard User'))) as Save;
      expect(first.success).toBe(true);
      const second = await caught(() =>
        conn.sobject('User').create(userRecord(sim, { UserPermissionsMarketingUser: true }, 'Standard User')),
      );
      expect(second).toMatchObject({
        errorCode: 'LICENSE_LIMIT_EXCEEDED',
        message: 'License Limit Exceeded - Marketing User',
      });
      // Deactivating the holder frees the licence.
      await conn.sobject('User').update({ Id: first.id as string, IsActive: false });
      const third = (await conn
        .sobject('User')
        .create(userRecord(sim, { UserPermissionsMarketingUser: true }, 'Standard User'))) as Save;
      expect(third.success).toBe(true);
    } finally {
      sim.admin.updateOrg(sim.orgId, { featureLicences: { UserPermissionsMarketingUser: null } });
    }
  });

  it('refuses moving a Salesforce user to a Chatter Free profile with FIELD_INTEGRITY_EXCEPTION', async () => {
    const user = (await conn.sobject('User').create(userRecord(sim, {}, 'Standard User'))) as Save;
    const chatterFree = sim.admin.summary(sim.orgId).profiles.find((p) => p.name === 'Chatter Free User')!.id;
    const [result] = (await conn.update('User', [{ Id: user.id as string, ProfileId: chatterFree }], {
      allOrNone: false,
    })) as Save[];
    expect(result).toMatchObject({
      success: false,
      errors: [{ statusCode: 'FIELD_INTEGRITY_EXCEPTION', fields: ['ProfileId'] }],
    });
  });

  it('refuses to deactivate a default workflow user until the setting is changed', async () => {
    const user = (await conn.sobject('User').create(userRecord(sim))) as Save;
    const id = user.id as string;
    const blocker = `${sim.url}/__admin/orgs/${sim.orgId}/users/${id}/deactivation-blocker`;
    const set = await fetch(blocker, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'workflowUser' }),
    });
    expect(set.status).toBe(200);
    const refused = await caught(() => conn.sobject('User').update({ Id: id, IsActive: false }));
    expect(refused).toMatchObject({ errorCode: 'FIELD_INTEGRITY_EXCEPTION' });
    expect(refused.message).toMatch(/Default Workflow User/);
    expect((await fetch(blocker, { method: 'DELETE' })).status).toBe(204);
    expect(await conn.sobject('User').update({ Id: id, IsActive: false })).toMatchObject({ success: true });
  });
});

describe('RollingCount', () => {
  it('forgets requests bucket by bucket as they leave the 24-hour window', () => {
    const day = 86_400_000;
    const count = new RollingCount(day, 60_000);
    count.add(0, 10);
    count.add(3_600_000, 5);
    expect(count.total(day - 1)).toBe(15);
    expect(count.total(day + 60_000)).toBe(5);
    expect(count.total(day + 3_600_000 + 60_000)).toBe(0);
  });
});
