import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceSim } from '../src/index.ts';
import { adminConnection, caught, startSim, userRecord } from './helpers.ts';

type Save = {
  id?: string | null;
  success: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
};

describe('custom User fields an admin added, through jsforce', () => {
  let sim: SalesforceSim;
  let conn: Connection;

  beforeAll(async () => {
    sim = await startSim({
      org: { customFields: { User: [{ name: 'EntraObjectId__c', length: 36, externalId: true, unique: true }] } },
    });
    conn = await adminConnection(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('describes the field as custom, External ID and unique', async () => {
    const describe = await conn.sobject('User').describe();
    const field = describe.fields.find((f) => f.name === 'EntraObjectId__c');
    expect(field).toMatchObject({ custom: true, externalId: true, unique: true, idLookup: true, length: 36 });
  });

  it('creates, queries and updates a user by the field', async () => {
    const created = (await conn.sobject('User').create(userRecord(sim, { EntraObjectId__c: 'AAAA-1' }))) as Save;
    expect(created.success).toBe(true);
    const found = await conn.query<{ Id: string; EntraObjectId__c: string }>(
      "SELECT Id, EntraObjectId__c FROM User WHERE EntraObjectId__c IN ('aaaa-1', 'AAAA-1')",
    );
    expect(found.records.map((r) => r.Id)).toEqual([created.id]);
    const updated = (await conn
      .sobject('User')
      .update({ Id: created.id as string, EntraObjectId__c: 'AAAA-2' })) as Save;
    expect(updated.success).toBe(true);
    // The old value is free again once the user moved off it.
    const reuse = (await conn.sobject('User').create(userRecord(sim, { EntraObjectId__c: 'aaaa-1' }))) as Save;
    expect(reuse.success).toBe(true);
  });

  it('refuses a second user with the same value, case-insensitively, naming the holder', async () => {
    const first = (await conn.sobject('User').create(userRecord(sim, { EntraObjectId__c: 'BBBB-1' }))) as Save;
    const second = await caught(() => conn.sobject('User').create(userRecord(sim, { EntraObjectId__c: 'bbbb-1' })));
    expect(second['errorCode']).toBe('DUPLICATE_VALUE');
    expect(second.message).toBe(
      `duplicate value found: EntraObjectId__c duplicates value on record with id: ${first.id}`,
    );
    const other = (await conn.sobject('User').create(userRecord(sim))) as Save;
    const [update] = (await conn
      .sobject('User')
      .update([{ Id: other.id as string, EntraObjectId__c: 'BBBB-1' }], { allOrNone: false })) as Save[];
    expect(update?.errors[0]).toMatchObject({ statusCode: 'DUPLICATE_VALUE', fields: ['EntraObjectId__c'] });
  });

  it('a rolled-back collection frees the values it took', async () => {
    const records = [userRecord(sim, { EntraObjectId__c: 'CCCC-1' }), userRecord(sim, { LastName: '' })];
    const results = (await conn.sobject('User').create(records, { allOrNone: true })) as Save[];
    expect(results.every((r) => !r.success)).toBe(true);
    const again = (await conn.sobject('User').create(userRecord(sim, { EntraObjectId__c: 'CCCC-1' }))) as Save;
    expect(again.success).toBe(true);
  });

  it('an org without the field does not know it', async () => {
    const plain = await startSim();
    try {
      const c = await adminConnection(plain);
      const error = await caught(() => c.query('SELECT Id FROM User WHERE EntraObjectId__c = null'));
      expect(error['errorCode']).toBe('INVALID_FIELD');
    } finally {
      await plain.close();
    }
  });

  it('refuses a custom field name Salesforce would refuse, naming it', async () => {
    await expect(sim.admin.createOrg({ customFields: { User: [{ name: 'EntraObjectId' }] } })).rejects.toThrow(
      /custom field "EntraObjectId" on User: .*__c/,
    );
  });
});
