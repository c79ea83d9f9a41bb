import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, runInProcess } from './run-cli.ts';
import { ServiceStubs } from './service-stubs.ts';

const ADA = '3f1c9a52-8d2e-4b7a-9c1e-2a6b5d4e7f10';
const ADMIN = { kind: 'app', id: 'cli-app', name: 'provision-cli' };
let stubs: ServiceStubs;
let env: Record<string, string>;

beforeAll(async () => {
  stubs = await new ServiceStubs().start();
});
afterAll(async () => {
  await stubs?.close();
});
beforeEach(() => {
  stubs.paused = null;
  stubs.quarantine = null;
  stubs.refuse = undefined;
  stubs.controlCalls.length = 0;
  stubs.salesforce.clear();
  stubs.writerQueries.length = 0;
  stubs.onDemandRequests.length = 0;
  env = { INGESTOR_URL: stubs.ingestorUrl, AUDIT_URL: stubs.auditUrl, WRITER_URL: stubs.writerUrl };
});

describe('provision pause, resume and status', () => {
  it('pauses with a reason, says who paused and why, and status shows it (exit 0)', async () => {
    const paused = await runCli(['pause', '--reason', 'Salesforce maintenance'], env);
    expect(paused.stderr).toBe('');
    expect(paused.code).toBe(0);
    expect(stubs.controlCalls).toEqual([
      { path: '/api/provisioning/pause', body: { reason: 'Salesforce maintenance' } },
    ]);
    expect(paused.stdout).toContain(
      'Provisioning is paused since 2026-12-05T08:00:00.000Z by provision-cli: Salesforce maintenance.',
    );
    expect(paused.stdout).toContain('provision resume');
    const status = await runInProcess(['status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('paused since 2026-12-05T08:00:00.000Z by provision-cli: Salesforce maintenance');
    const json = await runInProcess(['status', '--json'], env);
    expect(JSON.parse(json.stdout)).toEqual({
      paused: { since: '2026-12-05T08:00:00.000Z', by: ADMIN, reason: 'Salesforce maintenance' },
    });
  });

  it('pauses without a reason with an empty body, and refuses a reason over 500 characters without calling', async () => {
    expect((await runInProcess(['pause'], env)).stdout).toContain('(no reason given)');
    expect(stubs.controlCalls).toEqual([{ path: '/api/provisioning/pause', body: {} }]);
    const long = await runInProcess(['pause', '--reason', 'x'.repeat(501)], env);
    expect(long.code).toBe(2);
    expect(long.stderr).toContain('--reason: expected at most 500 characters');
    expect(stubs.controlCalls).toHaveLength(1);
  });

  it('resumes and says which pause ended; a resume when running says there was nothing to resume', async () => {
    stubs.paused = { since: '2026-12-05T07:00:00.000Z', by: ADMIN, reason: 'night' };
    const resumed = await runInProcess(['resume'], env);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(
      'Resumed provisioning (paused since 2026-12-05T07:00:00.000Z by provision-cli: night)',
    );
    expect(stubs.paused).toBeNull();
    expect((await runInProcess(['resume'], env)).stdout).toBe('Provisioning was not paused: nothing to resume.\n');
    expect((await runInProcess(['status'], env)).stdout).toBe('Provisioning is running.\n');
  });

  it('names the role needed when the ingestor refuses (403: Operate to act, Read to look; 401: how to sign in), exit 1', async () => {
    stubs.refuse = 403;
    const pause = await runInProcess(['pause'], env);
    expect(pause.code).toBe(1);
    expect(pause.stderr).toContain('403 PRV_FORBIDDEN: This needs the app role Provision.Operate.');
    expect(pause.stderr).toContain('(`provision pause` needs Provision.Operate)');
    const status = await runInProcess(['status'], env);
    expect(status.stderr).toContain('(`provision status` needs Provision.Read)');
    stubs.refuse = 401;
    const unsigned = await runInProcess(['quarantine', 'clear'], env);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toContain('set PROVISION_CLIENT_ID and PROVISION_CLIENT_SECRET');
    expect(unsigned.stderr).toContain('(`provision quarantine clear` needs Provision.Operate)');
  });

  it('says which setting is missing when the ingestor is not configured (exit 2), and when it cannot be reached (exit 1)', async () => {
    const unset = await runInProcess(['pause'], {});
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('INGESTOR_URL');
    const down = await runInProcess(['status'], { INGESTOR_URL: 'http://127.0.0.1:1' });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach the ingestor at http://127.0.0.1:1/api/provisioning');
  });

  it('provision-user says provisioning is paused (409) and how to resume, exit 1', async () => {
    stubs.paused = { since: '2026-12-05T07:00:00.000Z', by: ADMIN, reason: null };
    const r = await runInProcess(['provision-user', ADA], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('409 PRV_PROVISIONING_PAUSED: Provisioning is paused by provision-cli');
    expect(r.stderr).toContain('`provision resume` starts it again');
  });
});

describe('provision restart', () => {
  it('without --yes says what a restart clears and keeps, calls nothing and exits 2', async () => {
    const r = await runInProcess(['restart'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Restarting clears the ingestor's delta cursors");
    expect(r.stderr).toContain('It keeps the links to Salesforce users');
    expect(r.stderr).toContain('Run again with --yes to restart.');
    expect(stubs.controlCalls).toEqual([]);
  });

  it('with --yes restarts, says the quarantine it lifted and when the full sync runs', async () => {
    stubs.quarantine = { code: 'SalesforceServiceUnavailable' };
    const now = await runInProcess(['restart', '--yes'], env);
    expect(now.code).toBe(0);
    expect(stubs.controlCalls).toEqual([{ path: '/api/provisioning/restart', body: {} }]);
    expect(now.stdout).toContain("and lifted the writers' quarantine; a full sync runs now");
    stubs.paused = { since: '2026-12-05T07:00:00.000Z', by: ADMIN, reason: null };
    const later = await runInProcess(['restart', '--yes'], env);
    expect(later.stdout).toContain('the full sync runs at `provision resume`');
  });
});

describe('provision quarantine clear', () => {
  it("lifts the writers' quarantine and names its code; with none, says the clear is recorded", async () => {
    stubs.quarantine = { code: 'SalesforceRequestLimitExceeded', consecutiveFailures: 5 };
    const r = await runInProcess(['quarantine', 'clear'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Lifted the writers' quarantine (SalesforceRequestLimitExceeded)");
    const none = await runInProcess(['quarantine', 'clear', '--json'], env);
    expect(JSON.parse(none.stdout)).toEqual({ lifted: null, clearedBy: ADMIN });
  });
});

describe('provision user --salesforce', () => {
  const record = {
    id: '005000000000001AAA',
    username: 'ada@contoso.com',
    isActive: true,
    profileName: 'Standard User',
    userRole: null,
    lastModifiedDate: '2026-12-01T10:00:00.000Z',
    fields: { Email: 'ada@contoso.com', Department: 'Research' },
    permissionSets: ['Reports'],
  };

  it('prints the live Salesforce record the writer finds, and passes the match attribute', async () => {
    stubs.salesforce.set(ADA, record);
    const r = await runCli(
      ['user', ADA.toUpperCase(), '--salesforce', '--match-attribute', 'Username', '--match-value', 'ada@contoso.com'],
      env,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(stubs.writerQueries).toEqual([{ id: ADA, matchAttribute: 'Username', matchValue: 'ada@contoso.com' }]);
    expect(r.stdout).toContain('Salesforce user 005000000000001AAA (found by link-field)');
    expect(r.stdout).toContain('  profile: Standard User\n  role: (none)\n  permission sets: Reports');
    expect(r.stdout).toContain('    Department: Research');
    expect(r.stdout).not.toContain('public groups:');
  });

  it('prints the public groups and queues when the writer read them', async () => {
    stubs.salesforce.set(ADA, { ...record, groupMemberships: { publicGroups: ['Sales_Team'], queues: [] } });
    const r = await runCli(['user', ADA, '--salesforce'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  permission sets: Reports\n  public groups: Sales_Team\n  queues: (none)');
  });

  it('prints the permission set groups and licences when the writer read them', async () => {
    stubs.salesforce.set(ADA, { ...record, permissionSetGroups: ['Console_Agents'], permissionSetLicenses: null });
    const r = await runCli(['user', ADA, '--salesforce'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '  permission sets: Reports\n  permission set groups: Console_Agents\n  permission set licences: (unknown)',
    );
  });

  it('says what was searched when no user is found (exit 1), and refuses bad input without calling (exit 2)', async () => {
    const missing = await runInProcess(['user', ADA, '--salesforce'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('404 PRV_NOT_FOUND: No Salesforce user found');
    expect(missing.stderr).toContain(`link-field: EntraObjectId__c = ${ADA} → none`);
    expect((await runInProcess(['user', 'ada@contoso.com', '--salesforce'], env)).code).toBe(2);
    expect((await runInProcess(['user', ADA, '--salesforce', '--match-value', 'x'], env)).code).toBe(2);
    expect((await runInProcess(['user', ADA], env)).stderr).toContain('say what to show: --salesforce');
    expect(stubs.writerQueries).toHaveLength(1);
  });

  it('names WRITER_URL when unset, and Provision.Read when refused', async () => {
    const unset = await runInProcess(['user', ADA, '--salesforce'], { INGESTOR_URL: stubs.ingestorUrl });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('WRITER_URL');
    stubs.refuse = 403;
    const refused = await runInProcess(['user', ADA, '--salesforce'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('needs Provision.Read');
  });

  it('says the writer serves no Salesforce read when it has no API (no AUTH_*)', async () => {
    const r = await runInProcess(['user', ADA, '--salesforce'], { WRITER_URL: stubs.mapperUrl });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('serves no Salesforce read: it needs the AUTH_* variables');
  });
});
