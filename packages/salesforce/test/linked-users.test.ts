import type { SalesforceSim } from '@provision/salesforce-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsforceSalesforceGateway } from '../src/index.ts';
import { newUser, passwordGateway, startSim } from './helpers.ts';

describe('linked active users through jsforce (the users Provision provisioned)', () => {
  let sim: SalesforceSim;
  let gateway: JsforceSalesforceGateway;

  beforeAll(async () => {
    sim = await startSim({
      org: { customFields: { User: [{ name: 'EntraObjectId__c', length: 36, externalId: true, unique: true }] } },
    });
    gateway = passwordGateway(sim);
  });
  afterAll(async () => {
    await gateway.close();
    await sim.close();
  });

  it('lists the active users carrying the link field, over several pages, and none of the others', async () => {
    const linked = Array.from({ length: 2_100 }, (_, i) => newUser({ EntraObjectId__c: `entra-${i}` }));
    const results = await gateway.createUsers([...linked, newUser(), newUser({ EntraObjectId__c: 'entra-left' })]);
    expect(results.every((r) => r.ok)).toBe(true);
    const left = results.at(-1);
    await gateway.updateUsers([{ Id: left?.ok ? left.id : '', IsActive: false }]);
    const found = await gateway.linkedActiveUsers('EntraObjectId__c');
    expect(found).toHaveLength(2_100);
    expect(new Set(found.map((u) => u.link))).toEqual(new Set(linked.map((u) => u['EntraObjectId__c'])));
    expect(found[0]).toMatchObject({ id: expect.any(String), username: expect.stringContaining('@') });
  });

  it('refuses a link field that is not a field name', async () => {
    await expect(gateway.linkedActiveUsers('Id FROM User --')).rejects.toThrow(RangeError);
  });
});
