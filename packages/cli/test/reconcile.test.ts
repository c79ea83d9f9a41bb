import { type GraphSim, startGraphSim } from '@provision/graph-sim';
import { type SalesforceSim, startSalesforceSim } from '@provision/salesforce-sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runInProcess } from './run-cli.ts';
import { ServiceStubs } from './service-stubs.ts';

const GONE = ['0b5e1c2d-0000-4000-8000-00000000000a', '0b5e1c2d-0000-4000-8000-00000000000b'];
let graph: GraphSim;
let salesforce: SalesforceSim;
let stubs: ServiceStubs;
let env: Record<string, string>;

const person = (n: string, extra: Record<string, unknown> = {}) => ({
  Username: `${n}@contoso.example`,
  LastName: n,
  Email: `${n}@contoso.example`,
  Alias: n.slice(0, 8),
  TimeZoneSidKey: 'America/Los_Angeles',
  LocaleSidKey: 'en_US',
  EmailEncodingKey: 'UTF-8',
  LanguageLocaleKey: 'en_US',
  ProfileName: 'Standard User',
  ...extra,
});

beforeAll(async () => {
  [graph, salesforce, stubs] = await Promise.all([
    startGraphSim({ users: 4, seed: 3 }),
    startSalesforceSim({
      org: { customFields: { User: [{ name: 'EntraObjectId__c', length: 36, externalId: true, unique: true }] } },
    }),
    new ServiceStubs().start(),
  ]);
  const entra = [...graph.tenant.users.active()].map((u) => u.id);
  salesforce.admin.addUsers(salesforce.orgId, [
    // Provisioned, still in Entra.
    ...entra.slice(0, 3).map((id, i) => person(`kept${i}`, { EntraObjectId__c: id.toUpperCase() })),
    // Provisioned, then deleted in Entra while Provision could not see it.
    ...GONE.map((id, i) => person(`gone${i}`, { EntraObjectId__c: id })),
    // Already deactivated, and never linked: not Provision's business.
    person('inactive', { EntraObjectId__c: '0b5e1c2d-0000-4000-8000-00000000000c', IsActive: false }),
    person('manual'),
  ]);
  env = {
    GRAPH_TENANT_ID: graph.tenantId,
    GRAPH_CLIENT_ID: graph.clientId,
    GRAPH_CLIENT_SECRET: graph.clientSecret,
    GRAPH_BASE_URL: graph.url,
    GRAPH_AUTHORITY_HOST: graph.authorityHost,
    SALESFORCE_LOGIN_URL: salesforce.loginUrl,
    SALESFORCE_USERNAME: salesforce.credentials.username,
    SALESFORCE_PASSWORD: salesforce.credentials.password,
    SALESFORCE_SECURITY_TOKEN: salesforce.credentials.securityToken,
    INGESTOR_URL: stubs.ingestorUrl,
  };
});
afterAll(async () => {
  await Promise.allSettled([graph?.close(), salesforce?.close(), stubs?.close()]);
});
beforeEach(() => {
  stubs.onDemandRequests.length = 0;
});

describe('provision reconcile', () => {
  it('lists the active Salesforce users linked to Entra users that no longer exist, and changes nothing', async () => {
    const r = await runInProcess(['reconcile', '--link-field', 'EntraObjectId__c', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ linkField: 'EntraObjectId__c', linked: 5, entraUsers: 4 });
    expect(out.orphans.map((o: { entraId: string; username: string }) => [o.username, o.entraId])).toEqual([
      ['gone0@contoso.example', GONE[0]],
      ['gone1@contoso.example', GONE[1]],
    ]);
    expect(stubs.onDemandRequests).toEqual([]);
  });

  it('--apply provisions each on demand, so the ingestor publishes its removal', async () => {
    const r = await runInProcess(['reconcile', '--link-field', 'EntraObjectId__c', '--apply'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(stubs.onDemandRequests).toEqual(GONE);
    expect(r.stdout).toContain('2 active Salesforce users are linked to an Entra user that no longer exists');
    expect(r.stdout).toContain('gone0@contoso.example: removal published (hard)');
  });

  it('refuses to apply to more users than --max, and needs a link field', async () => {
    const tooMany = await runInProcess(['reconcile', '--link-field', 'EntraObjectId__c', '--apply', '--max', '1'], env);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toContain('more than --max 1');
    expect(stubs.onDemandRequests).toEqual([]);
    const noField = await runInProcess(['reconcile'], env);
    expect(noField.code).toBe(2);
    expect(noField.stderr).toContain('no link field');
  });
});
