import { type GraphSim, startGraphSim } from '@provision/graph-sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, runInProcess } from './run-cli.ts';
import { logEntry, ServiceStubs } from './service-stubs.ts';

const ADA = '3f1c9a52-8d2e-4b7a-9c1e-2a6b5d4e7f10';
let stubs: ServiceStubs;
let env: Record<string, string>;

beforeAll(async () => {
  stubs = await new ServiceStubs().start();
});
afterAll(async () => {
  await stubs?.close();
});
beforeEach(() => {
  stubs.entries = [];
  stubs.directory.clear();
  stubs.staged = [];
  stubs.onDemandRequests.length = 0;
  stubs.auditQueries.length = 0;
  env = { INGESTOR_URL: stubs.ingestorUrl, AUDIT_URL: stubs.auditUrl, MAPPER_URL: stubs.mapperUrl };
});

describe('provision provision-user', () => {
  it('provisions one user by object id, waits for the result and prints it (exit 0)', async () => {
    stubs.directory.set(ADA, {
      upn: 'ada@contoso.com',
      modifiedProperties: [
        { displayName: 'Email', oldValue: null, newValue: 'ada@contoso.com' },
        { displayName: 'ProfileName', oldValue: null, newValue: 'Standard User' },
      ],
    } as never);
    const r = await runCli(['provision-user', ADA, '--poll-interval', '20'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(stubs.onDemandRequests).toEqual([ADA]);
    expect(r.stdout).toContain(`Provisioning ${ADA} on demand: published 1 user.upserted, 1 assignment.changed`);
    expect(r.stdout).toContain('create — success — Salesforce user 005000000000001AAA (created) in 420 ms');
    expect(r.stdout).toContain('    Email: (none) → ada@contoso.com\n    ProfileName: (none) → Standard User');
    expect(r.stdout).not.toContain('pending');
  });

  it('prints the error code and the recommended action of a failure, and exits 1', async () => {
    stubs.directory.set(ADA, {
      status: 'failure',
      targetIdentity: { id: null, type: 'User', linkedBy: null },
      errorInfo: {
        errorCode: 'SalesforceDuplicateUserName',
        reason: 'Duplicate Username. The username already exists in this or another Salesforce organization.',
        recommendedAction: 'Usernames are unique across all Salesforce orgs: change the Username mapping.',
      },
    } as never);
    const r = await runInProcess(['provision-user', ADA, '--poll-interval', '20'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('create — failure');
    expect(r.stdout).toContain('  error: SalesforceDuplicateUserName — Duplicate Username.');
    expect(r.stdout).toContain('  recommended action: Usernames are unique across all Salesforce orgs');
  });

  it('prints an entry the continuous sync made meanwhile, after waiting briefly for an on-demand one', async () => {
    stubs.directory.set(ADA, { origin: 'sync', action: 'update' } as never);
    const r = await runInProcess(['provision-user', ADA, '--poll-interval', '20'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('update — success');
  });

  it('finds the object id of a UPN in the provisioning log and shows only the new entry', async () => {
    stubs.entries = [logEntry({ userId: ADA, commandId: 'old', upn: 'ada@contoso.com', action: 'update' })];
    stubs.directory.set(ADA, { action: 'update', upn: 'ada@contoso.com' } as never);
    const r = await runInProcess(['provision-user', 'Ada@Contoso.com', '--poll-interval', '20', '--json'], env);
    expect(r.code).toBe(0);
    expect(stubs.onDemandRequests).toEqual([ADA]);
    const out = JSON.parse(r.stdout);
    expect(out.entries.map((e: { commandId: string }) => e.commandId)).toEqual(['cmd-1']);
    expect(out).toMatchObject({ userId: ADA, timedOut: false });
  });

  it('finds the object id of a UPN in Entra through Graph', async () => {
    const graph: GraphSim = await startGraphSim({ users: 3, seed: 7 });
    try {
      const [user] = [...graph.tenant.users.active()];
      const upn = String(user?.props['userPrincipalName']);
      stubs.directory.set(user!.id, {});
      const r = await runInProcess(['provision-user', upn, '--poll-interval', '20'], {
        ...env,
        GRAPH_TENANT_ID: graph.tenantId,
        GRAPH_CLIENT_ID: graph.clientId,
        GRAPH_CLIENT_SECRET: graph.clientSecret,
        GRAPH_BASE_URL: graph.url,
        GRAPH_AUTHORITY_HOST: graph.authorityHost,
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(stubs.onDemandRequests.at(-1)).toBe(user!.id);
    } finally {
      await graph.close();
    }
  });

  it('refuses a UPN it cannot resolve (no Graph settings, nothing in the log), exit 2', async () => {
    const r = await runInProcess(['provision-user', 'nobody@contoso.com'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot find the object id of nobody@contoso.com');
  });

  it('says a user in deleted items was removed, and prints the result of its link check', async () => {
    stubs.removed.set(ADA, { action: 'disable', origin: 'on-demand' } as never);
    const r = await runInProcess(['provision-user', ADA, '--poll-interval', '20'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('is not in Entra (in deleted items): published its removal');
    expect(r.stdout).toContain('disable — success');
  });

  it('says an id Entra does not know at all is not found, naming the ingestor, exit 1', async () => {
    const r = await runInProcess(['provision-user', '00000000-0000-0000-0000-00000000dead'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Entra ID has no user 00000000-0000-0000-0000-00000000dead');
  });

  it('gives up after --timeout when no entry appears, says why that can be normal, and shows the latest entry', async () => {
    stubs.entries = [logEntry({ userId: ADA, commandId: 'old', action: 'update', upn: 'ada@contoso.com' })];
    stubs.directory.set(ADA, null);
    const r = await runInProcess(['provision-user', ADA, '--timeout', '0.3', '--poll-interval', '20'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no provisioning log entry');
    expect(r.stderr).toContain('the mapper issues no command');
    expect(r.stdout).toContain('No new entry; the latest one for this user:\nupdate — success');
  });

  it('names both missing service URLs in one message, exit 2', async () => {
    const r = await runCli(['provision-user', ADA], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--ingestor-url (INGESTOR_URL): is required (not set)');
    expect(r.stderr).toContain('--audit-url (AUDIT_URL or AUDIT_PUBLIC_URL): is required (not set)');
  });
});

describe('provision logs', () => {
  it('passes the filters to the audit API and prints a table', async () => {
    stubs.entries = [
      logEntry({
        userId: ADA,
        commandId: 'c1',
        upn: 'ada@contoso.com',
        status: 'failure',
        errorInfo: { errorCode: 'SalesforceLicenseLimitExceeded', reason: 'No licence left', recommendedAction: null },
      }),
    ];
    const started = Date.now();
    const r = await runCli(
      ['logs', '--status', 'failure', '--user', 'ada@contoso.com', '--since', '2h', '--limit', '5'],
      { AUDIT_PUBLIC_URL: stubs.auditUrl },
    );
    expect(r.code).toBe(0);
    const query = stubs.auditQueries.at(-1)!;
    expect(query).toMatchObject({ status: 'failure', userId: 'ada@contoso.com', limit: '5' });
    const from = Date.parse(query['from'] ?? '');
    expect(Math.abs(from - (started - 2 * 3_600_000))).toBeLessThan(60_000);
    const [header, row] = r.stdout.split('\n');
    expect(header).toMatch(/^TIME\s+ACTION\s+STATUS\s+USER\s+SALESFORCE ID\s+ERROR$/);
    expect(row).toMatch(
      /failure\s+ada@contoso\.com\s+005000000000001AAA\s+SalesforceLicenseLimitExceeded: No licence left$/,
    );
  });

  it('--csv prints the export and --json the entries', async () => {
    stubs.entries = [logEntry({ userId: ADA, commandId: 'c1' })];
    const csv = await runInProcess(['logs', '--csv'], env);
    expect(csv.code).toBe(0);
    expect(stubs.auditQueries.at(-1)).toMatchObject({ format: 'csv' });
    expect(csv.stdout).toBe('activityDateTime,action,status\n2026-11-26T10:00:00.000Z,create,success\n');
    expect(csv.stderr).toBe('more entries: --cursor page-2\n');
    const json = await runInProcess(['logs', '--json'], env);
    expect(JSON.parse(json.stdout)).toMatchObject({ items: [{ commandId: 'c1' }], nextCursor: null });
  });

  it('exits 2 on a malformed --since without calling the audit, and on a query the audit refuses', async () => {
    const calls = stubs.auditQueries.length;
    const since = await runInProcess(['logs', '--since', 'yesterday-ish'], env);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--since: expected an ISO date or time, or a duration such as 30m, 2h, 7d');
    expect(stubs.auditQueries.length).toBe(calls);
    const refused = await runInProcess(['logs', '--status', 'bogus'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("400 PRV_BAD_REQUEST: status: 'bogus'");
  });
});

describe('provision guard', () => {
  it('status lists the held-back deactivations', async () => {
    stubs.staged = ['u1', 'u2'];
    const r = await runInProcess(['guard', 'status'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('holds back 2 deactivations (Entra user ids):\n  u1\n  u2\n');
  });

  it('release asks for --yes (exit 2, nothing released), then releases', async () => {
    stubs.staged = ['u1', 'u2', 'u3'];
    const asked = await runCli(['guard', 'release'], env);
    expect(asked.code).toBe(2);
    expect(asked.stderr).toContain('Releasing deactivates 3 users in Salesforce');
    expect(stubs.releaseCalls).toBe(0);
    const released = await runCli(['guard', 'release', '--yes'], env);
    expect(released.code).toBe(0);
    expect(released.stdout).toContain('Released 3 deactivations');
    expect(stubs.staged).toEqual([]);
  });

  it('fails (exit 1) naming the mapper when it cannot be reached', async () => {
    const gone = await new ServiceStubs().start();
    await gone.close();
    const r = await runInProcess(['guard', 'status', '--mapper-url', gone.mapperUrl]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot reach the mapper at ${gone.mapperUrl}/api/deactivation-guard (ECONNREFUSED)`);
  });
});
