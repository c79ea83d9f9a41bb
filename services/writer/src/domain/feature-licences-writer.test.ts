import { describe, expect, it } from 'vitest';
import { aCommand } from '../testing/commands.ts';
import { InMemorySalesforceDirectory } from '../testing/in-memory-directory.ts';
import { CountingBudget, InMemoryLinkStore, VirtualClock } from '../testing/in-memory-stores.ts';
import { writeBatch } from './batch-writer.ts';

const MARKETING = 'UserPermissionsMarketingUser';

function setup(counts?: { total: number; assigned: number }) {
  const directory = new InMemorySalesforceDirectory();
  if (counts) Object.assign(directory, { featureLicenses: async () => [{ field: MARKETING, ...counts }] });
  const deps = {
    directory,
    links: new InMemoryLinkStore(),
    budget: new CountingBudget(),
    clock: new VirtualClock(),
    random: () => 0,
  };
  return { directory, deps };
}

const withLicence = (n: number) => {
  const base = aCommand({ n });
  return aCommand({ n, fields: { ...base.fields, [MARKETING]: true } });
};

describe('feature licences in the writer', () => {
  it('counts before assignment: the licences left go to the first commands, the others are created without, with a warning naming the licence', async () => {
    const { directory, deps } = setup({ total: 3, assigned: 2 });
    const [first, second] = await writeBatch([withLicence(101), withLicence(102)], deps);
    expect(first).toMatchObject({ status: 'success', error: null });
    expect(first?.modifiedProperties).toContainEqual({ name: MARKETING, newValue: true });
    expect(second).toMatchObject({
      status: 'warning',
      error: { code: 'SalesforceLicenseLimitExceeded', fields: [MARKETING], retriable: false },
    });
    expect(second?.error?.message).toMatch(
      /No Marketing User \(UserPermissionsMarketingUser\) feature licence is left.*counted before assignment.*provisioned without it/,
    );
    expect(second?.modifiedProperties.map((p) => p.name)).not.toContain(MARKETING);
    expect(directory.users.get(second?.salesforceId as string)?.[MARKETING]).toBeUndefined();
    // The lookup, one count for the round, then one create of both.
    expect(directory.calls.map((c) => c.operation)).toEqual(['query', 'create']);
    expect(deps.budget.spent).toBe(3);
  });

  it('on LICENSE_LIMIT_EXCEEDED for a feature licence, writes the user again without it, in one more call', async () => {
    const { directory, deps } = setup();
    directory.failRecords((f) => f[MARKETING] === true, {
      code: 'SalesforceLicenseLimitExceeded',
      salesforceCode: 'LICENSE_LIMIT_EXCEEDED',
      message: 'License Limit Exceeded - Marketing User',
      fields: [MARKETING],
      retriable: false,
    });
    const [result] = await writeBatch([withLicence(103)], deps);
    expect(result).toMatchObject({
      status: 'warning',
      linkedBy: 'created',
      error: { code: 'SalesforceLicenseLimitExceeded' },
    });
    expect(result?.error?.message).toMatch(/Salesforce answered LICENSE_LIMIT_EXCEEDED/);
    expect(directory.users.get(result?.salesforceId as string)).toBeDefined();
    expect(directory.calls.map((c) => c.operation)).toEqual(['query', 'create', 'create']);
  });

  it('unticks on update whatever the count, and ticks on update only while licences are left', async () => {
    const { directory, deps } = setup({ total: 1, assigned: 1 });
    const command = aCommand({ n: 104 });
    const id = directory.seed({ ...command.fields, [MARKETING]: true });
    const untick = aCommand({ n: 104, action: 'update', fields: { [MARKETING]: false } });
    const [off] = await writeBatch([untick], deps);
    expect(off).toMatchObject({ status: 'success' });
    expect(off?.modifiedProperties).toEqual([{ name: MARKETING, oldValue: true, newValue: false }]);
    const tick = aCommand({ n: 104, action: 'update', fields: { [MARKETING]: true } });
    const [refused] = await writeBatch([tick], deps);
    expect(refused).toMatchObject({
      status: 'warning',
      salesforceId: id,
      error: { code: 'SalesforceLicenseLimitExceeded' },
    });
    expect(directory.users.get(id)?.[MARKETING]).toBe(false);
  });

  it('leaves a user-licence refusal a failure: the user cannot be written without its profile licence', async () => {
    const { directory, deps } = setup();
    directory.failRecords(() => true, {
      code: 'SalesforceLicenseLimitExceeded',
      salesforceCode: 'LICENSE_LIMIT_EXCEEDED',
      message: 'License Limit Exceeded - Salesforce',
      fields: [],
      retriable: false,
    });
    const [result] = await writeBatch([aCommand({ n: 105 })], deps);
    expect(result).toMatchObject({ status: 'failure', error: { code: 'SalesforceLicenseLimitExceeded' } });
  });
});
