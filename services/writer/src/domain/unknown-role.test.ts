import { describe, expect, it } from 'vitest';
import { inMemoryBatchDeps } from '../testing/batch-deps.ts';
import { aCommand } from '../testing/commands.ts';
import { InMemorySalesforceDirectory } from '../testing/in-memory-directory.ts';
import { writeBatch } from './batch-writer.ts';

describe('a role the org does not have', () => {
  it('provisions the user without it and fails the command as SalesforceUnknownRole, so the mapper tries the role again', async () => {
    const directory = new InMemorySalesforceDirectory();
    directory.failRecords((f) => f['UserRoleName'] === 'Chief_Llama', {
      code: 'SalesforceUnknownRole',
      message: "No role named 'Chief_Llama' in the org",
      fields: ['UserRoleName'],
      retriable: false,
    });
    const deps = inMemoryBatchDeps(directory);
    const base = aCommand({ n: 201 });
    const [result] = await writeBatch(
      [aCommand({ n: 201, fields: { ...base.fields, UserRoleName: 'Chief_Llama' } })],
      deps,
    );
    expect(result).toMatchObject({
      status: 'failure',
      linkedBy: 'created',
      error: { code: 'SalesforceUnknownRole', fields: ['UserRoleName'], retriable: false },
    });
    expect(result?.error?.message).toMatch(/Chief_Llama.*written without the role/);
    expect(result?.salesforceId).toBeTruthy();
    expect(directory.users.get(result?.salesforceId as string)?.['UserRoleName']).toBeUndefined();
    expect(result?.modifiedProperties.map((p) => p.name)).not.toContain('UserRoleName');
  });
});
