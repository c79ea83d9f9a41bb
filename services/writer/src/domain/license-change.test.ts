import { describe, expect, it } from 'vitest';
import { inMemoryBatchDeps } from '../testing/batch-deps.ts';
import { aCommand } from '../testing/commands.ts';
import { InMemorySalesforceDirectory } from '../testing/in-memory-directory.ts';
import { writeBatch } from './batch-writer.ts';

function setup() {
  const directory = new InMemorySalesforceDirectory();
  return { directory, deps: inMemoryBatchDeps(directory) };
}

describe('a profile change Salesforce refuses (a licence it does not move the user to)', () => {
  it('writes the rest of the change without the profile and fails the command as SalesforceLicenseChangeRefused', async () => {
    const { directory, deps } = setup();
    const created = aCommand({ n: 301 });
    const [first] = await writeBatch([created], deps);
    expect(first).toMatchObject({ status: 'success', action: 'create' });
    const id = first?.salesforceId as string;

    directory.failRecords((f) => f['ProfileName'] === 'Chatter Free User', {
      code: 'SalesforceLicenseChangeRefused',
      message: 'Cannot change the license of a Salesforce user to Chatter Free',
      fields: ['ProfileId'],
      retriable: false,
    });
    const renamed = aCommand({
      n: 301,
      action: 'update',
      fields: { ...created.fields, LastName: 'Renamed', ProfileName: 'Chatter Free User' },
    });
    const [result] = await writeBatch([renamed], deps);
    expect(result).toMatchObject({
      status: 'failure',
      salesforceId: id,
      error: { code: 'SalesforceLicenseChangeRefused', retriable: false },
    });
    expect(result?.error?.message).toMatch(/written without the profile change/);
    expect(directory.users.get(id)).toMatchObject({ LastName: 'Renamed', ProfileName: 'Standard User' });
    expect(result?.modifiedProperties.map((p) => p.name)).toContain('LastName');
    expect(result?.modifiedProperties.map((p) => p.name)).not.toContain('ProfileName');
  });

  it('finishes at once when the profile was all there was to change', async () => {
    const { directory, deps } = setup();
    const created = aCommand({ n: 302 });
    const [first] = await writeBatch([created], deps);
    directory.failRecords((f) => f['ProfileName'] === 'Chatter Free User', {
      code: 'SalesforceLicenseChangeRefused',
      message: 'Cannot change the license of a Salesforce user to Chatter Free',
      fields: ['ProfileId'],
      retriable: false,
    });
    const updatesBefore = directory.count('update');
    const [result] = await writeBatch(
      [aCommand({ n: 302, action: 'update', fields: { ...created.fields, ProfileName: 'Chatter Free User' } })],
      deps,
    );
    expect(result).toMatchObject({ status: 'failure', error: { code: 'SalesforceLicenseChangeRefused' } });
    expect(directory.count('update') - updatesBefore).toBe(1);
    expect(directory.users.get(first?.salesforceId as string)?.['ProfileName']).toBe('Standard User');
  });
});
