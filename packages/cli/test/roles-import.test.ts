import { createServer, type Socket } from 'node:net';
import { type GraphSim, startGraphSim } from '@provision/graph-sim';
import { type SalesforceSim, startSalesforceSim } from '@provision/salesforce-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runInProcess } from './run-cli.ts';

let graph: GraphSim;
let salesforce: SalesforceSim;
let env: Record<string, string>;

beforeAll(async () => {
  [graph, salesforce] = await Promise.all([startGraphSim({ users: 0 }), startSalesforceSim()]);
  // The variables the ingestor and writer read, plus the application the roles are published on.
  env = {
    GRAPH_TENANT_ID: graph.tenantId,
    GRAPH_CLIENT_ID: graph.clientId,
    GRAPH_CLIENT_SECRET: graph.clientSecret,
    GRAPH_BASE_URL: graph.url,
    GRAPH_AUTHORITY_HOST: graph.authorityHost,
    GRAPH_APPLICATION_ID: graph.applicationId,
    SALESFORCE_LOGIN_URL: salesforce.loginUrl,
    SALESFORCE_USERNAME: salesforce.credentials.username,
    SALESFORCE_PASSWORD: salesforce.credentials.password,
    SALESFORCE_SECURITY_TOKEN: salesforce.credentials.securityToken,
  };
});
afterAll(async () => {
  await Promise.allSettled([graph?.close(), salesforce?.close()]);
});

const roleValues = () => graph.tenant.application.appRoles.map((r) => r.value);
const profileNames = () => salesforce.admin.summary(salesforce.orgId).profiles.map((p: { name: string }) => p.name);

describe('provision roles import', () => {
  it('--dry-run shows the plan and writes nothing', async () => {
    const before = structuredClone(graph.tenant.application.appRoles);
    const r = await runInProcess(['roles', 'import', '--dry-run', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    const missing = profileNames().filter((p) => !roleValues().includes(p));
    expect(missing.length).toBeGreaterThan(0);
    expect(plan).toMatchObject({ dryRun: true, profiles: profileNames().length, removed: [] });
    expect([...plan.added].sort()).toEqual([...missing].sort());
    // A role that already offers a profile is kept as it is (its id, description and assignments).
    expect([...plan.kept].sort()).toEqual(
      profileNames()
        .filter((p) => roleValues().includes(p))
        .sort(),
    );
    expect(plan.updated).toEqual([]);
    expect(graph.tenant.application.appRoles).toEqual(before);
  });

  it('publishes every profile as an app role, keeps the roles Provision does not own, and is idempotent', async () => {
    const foreign = roleValues().filter((v) => v !== null && !profileNames().includes(v));
    const first = await runCli(['roles', 'import'], { ...env, NODE_EXTRA_CA_CERTS: graph.caCertPath });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^${profileNames().length} Salesforce profiles\\n`));
    expect(first.stdout).toContain('added: ');
    expect(first.stdout).toContain(
      '"Default Access" is Entra\'s default role, not a Salesforce profile: left as it is.',
    );
    for (const profile of profileNames()) expect(roleValues()).toContain(profile);
    // Roles someone else made (any the simulator offers that are no profile of the org) are left alone.
    for (const value of foreign) expect(roleValues()).toContain(value);
    expect(roleValues()).not.toContain('Default Access');

    const again = await runInProcess(['roles', 'import', '--json'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ added: [], updated: [], removed: [] });
    expect(JSON.parse(again.stdout).kept).toHaveLength(profileNames().length);
  });

  it('needs the application id and the Graph credentials, named all at once', async () => {
    const { GRAPH_APPLICATION_ID: _a, GRAPH_CLIENT_SECRET: _s, ...partial } = env;
    const r = await runInProcess(['roles', 'import'], partial);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('2 problems');
    expect(r.stderr).toContain('--graph-client-secret (GRAPH_CLIENT_SECRET): is required to publish the roles');
    expect(r.stderr).toContain('--application-id (GRAPH_APPLICATION_ID): is required to publish the roles');
  });

  it('gives up on a Salesforce that never answers (--timeout), exit 1', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      const r = await runInProcess(['roles', 'import', '--login-url', url, '--timeout', '0.5'], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('cannot read the Salesforce profiles: Salesforce did not answer within 0.5 s');
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('fails (exit 1) and points at test-connection when Salesforce refuses the login', async () => {
    const r = await runInProcess(['roles', 'import', '--password', 'wrong'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot read the Salesforce profiles');
    expect(r.stderr).toContain('provision salesforce test-connection');
  });
});
