import { fetchSyncStatus, type Pipeline, startPipeline, waitForInitialSync } from '@provision/demo';
import { waitFor } from '@provision/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logsOf } from './helpers.ts';

describe('killing the writer mid-sync (SIGKILL) and starting it again', () => {
  let pipeline: Pipeline;
  let before: Set<string>;
  let atKill = 0;
  let total = 0;

  beforeAll(async () => {
    // A crashed member holds its partitions until its session expires: 10 s here (the writer's default is 90 s).
    pipeline = await startPipeline({
      users: 600,
      seed: 7,
      existingShare: 0.1,
      logLevel: 'warn',
      env: { writer: { WRITER_SESSION_TIMEOUT_MS: '10000' } },
      // User inserts take seconds, as on a real org: the kill lands while creates are in flight
      // (which the org may still commit) and most of the sync is still to do, however fast the
      // machine. An instant org let one writer finish half the sync between the first result and
      // the kill.
      prepare: ({ salesforce }) => {
        salesforce.admin.setModel({ costs: { userInsert: { baseMs: 1500, perRecordMs: 5 } } });
      },
    });
    const { salesforce } = pipeline.sims;
    before = new Set(salesforce.admin.users(salesforce.orgId).map((u) => String(u['Username']).toLowerCase()));
    // Mid-sync: some results are in, most are not.
    await waitFor(async () => (await fetchSyncStatus(pipeline.auditUrl)).progress.resultsReceived > 0, {
      timeout: 120_000,
      interval: 20,
      message: 'first results',
    });
    await pipeline.stopService('writer', 'SIGKILL');
    atKill = (await fetchSyncStatus(pipeline.auditUrl)).progress.resultsReceived;
    await pipeline.startService('writer');
    total = (await waitForInitialSync(pipeline.auditUrl, { timeoutMs: 180_000 })).progress.resultsReceived;
  }, 300_000);
  afterAll(async () => {
    await pipeline?.stop();
  });

  it('was killed with most of the sync still to do', () => {
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(total / 2);
  });

  it('leaves no duplicate and no missing user', async () => {
    const { salesforce } = pipeline.sims;
    const logs = await logsOf(pipeline, { action: 'create' });
    const inScope = new Set(
      logs.filter((e) => e.status === 'success').map((e) => e.sourceIdentity.userPrincipalName?.toLowerCase()),
    );
    expect(inScope.size).toBeGreaterThan(100);
    // A second create for a user the first writer had already created would be refused as a
    // duplicate username: there is none.
    expect(logs.filter((e) => e.errorInfo?.errorCode === 'SalesforceDuplicateUserName')).toEqual([]);
    const org = salesforce.admin.users(salesforce.orgId).map((u) => String(u['Username']).toLowerCase());
    expect(new Set(org).size).toBe(org.length);
    // Every user the log says was provisioned is in Salesforce, and Salesforce holds nobody else new.
    const created = org.filter((u) => !before.has(u));
    for (const upn of inScope) expect(org, String(upn)).toContain(upn);
    expect(created.every((u) => inScope.has(u))).toBe(true);
    // Every create decided by the mapper ended in success or a logged failure reason.
    const unsettled = logs.filter((e) => e.status === 'pending');
    expect(unsettled).toEqual([]);
  });
});
