import { JsforceSalesforceGateway } from '@provision/salesforce';
import { type SalesforceSim, startSalesforceSim } from '@provision/salesforce-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayDirectory } from '../src/adapters/salesforce-directory.ts';
import { writeBatch } from '../src/domain/batch-writer.ts';
import { aCommand } from '../src/testing/commands.ts';
import { CountingBudget, InMemoryLinkStore, VirtualClock } from '../src/testing/in-memory-stores.ts';

const MARKETING = 'UserPermissionsMarketingUser';

describe('feature licences and roles through jsforce against salesforce-sim', () => {
  let sim: SalesforceSim;
  let gateway: JsforceSalesforceGateway;

  beforeAll(async () => {
    sim = await startSalesforceSim({ org: { featureLicences: { [MARKETING]: 1 } } });
    gateway = new JsforceSalesforceGateway({
      loginUrl: sim.loginUrl,
      auth: {
        kind: 'password',
        username: sim.credentials.username,
        password: sim.credentials.password,
        securityToken: sim.credentials.securityToken,
      },
    });
  });
  afterAll(async () => {
    await gateway.close();
    await sim.close();
  });

  const deps = (directory: GatewayDirectory) => ({
    directory,
    links: new InMemoryLinkStore(),
    budget: new CountingBudget(),
    clock: new VirtualClock(),
    random: () => 0,
  });
  const withLicence = (n: number, extra: Record<string, unknown> = {}) => {
    const base = aCommand({ n });
    return aCommand({ n, fields: { ...base.fields, [MARKETING]: true, ...extra } });
  };
  const user = (id: string | null | undefined) => sim.admin.user(sim.orgId, String(id));

  it('reads the org’s counts and gives the last licence to the first command; the second is created without it', async () => {
    const [first, second] = await writeBatch([withLicence(301), withLicence(302)], deps(new GatewayDirectory(gateway)));
    expect(first).toMatchObject({ status: 'success', linkedBy: 'created' });
    expect(user(first?.salesforceId)[MARKETING]).toBe(true);
    expect(second).toMatchObject({
      status: 'warning',
      linkedBy: 'created',
      error: { code: 'SalesforceLicenseLimitExceeded', fields: [MARKETING] },
    });
    expect(second?.error?.message).toMatch(/counted before assignment/);
    expect(user(second?.salesforceId)[MARKETING]).not.toBe(true);
  });

  it('when the counts are out of date, Salesforce’s LICENSE_LIMIT_EXCEEDED makes the writer create the user without the licence', async () => {
    const directory = new GatewayDirectory(gateway);
    // A stale snapshot: it says every licence is free.
    Object.assign(directory, { featureLicenses: async () => [{ field: MARKETING, total: 1, assigned: 0 }] });
    const [result] = await writeBatch([withLicence(303)], deps(directory));
    expect(result).toMatchObject({
      status: 'warning',
      linkedBy: 'created',
      error: { code: 'SalesforceLicenseLimitExceeded' },
    });
    expect(result?.error?.message).toMatch(/Salesforce answered LICENSE_LIMIT_EXCEEDED/);
    expect(user(result?.salesforceId)['IsActive']).toBe(true);
  });

  it('writes a role given by DeveloperName once, then finds nothing to change', async () => {
    const directory = new GatewayDirectory(gateway);
    const links = new InMemoryLinkStore();
    const run = (c: ReturnType<typeof aCommand>) => writeBatch([c], { ...deps(directory), links });
    const base = aCommand({ n: 304 });
    const [created] = await run(aCommand({ n: 304, fields: { ...base.fields, UserRoleName: 'Sales_Manager' } }));
    expect(created).toMatchObject({ status: 'success' });
    const again = aCommand({
      n: 304,
      action: 'update',
      fields: { UserRoleName: 'Sales_Manager', LastName: 'Number304' },
    });
    const [same] = await run(again);
    expect(same).toMatchObject({ status: 'success', modifiedProperties: [] });
    const [unknown] = await run(aCommand({ n: 304, action: 'update', fields: { UserRoleName: 'Chief_Llama' } }));
    expect(unknown).toMatchObject({ status: 'failure', error: { code: 'SalesforceUnknownRole' } });
  });
});
