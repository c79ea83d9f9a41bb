import { describe, expect, it } from 'vitest';
import { inMemoryBatchDeps } from '../testing/batch-deps.ts';
import { aCommand } from '../testing/commands.ts';
import { InMemorySalesforceDirectory } from '../testing/in-memory-directory.ts';
import { writeBatch } from './batch-writer.ts';
import { LicenseCounts } from './feature-licences.ts';

const MARKETING = 'UserPermissionsMarketingUser';

function setup(counts?: { total: number; assigned: number }) {
  const directory = new InMemorySalesforceDirectory();
  if (counts) Object.assign(directory, { featureLicenses: async () => [{ field: MARKETING, ...counts }] });
  const deps = inMemoryBatchDeps(directory);
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

describe('feature licence counts kept between batches (LicenseCounts)', () => {
  function counted(counts: { total: number; assigned: number }) {
    const { directory, deps } = setup();
    const reads: number[] = [];
    let current = counts;
    Object.assign(directory, {
      featureLicenses: async () => {
        reads.push(deps.clock.now());
        return [{ field: MARKETING, ...current }];
      },
    });
    const licenseCounts = new LicenseCounts({ maxAgeMs: 60_000, now: () => deps.clock.now() });
    return {
      directory,
      reads,
      deps: { ...deps, licenseCounts },
      set: (c: { total: number; assigned: number }) => {
        current = c;
      },
    };
  }

  it('reads the counts once for several batches, counting down what each batch took', async () => {
    const { reads, deps } = counted({ total: 10, assigned: 0 });
    for (const n of [201, 202, 203]) {
      const [result] = await writeBatch([withLicence(n), withLicence(n + 10)], deps);
      expect(result).toMatchObject({ status: 'success', error: null });
    }
    expect(reads).toHaveLength(1);
    // 6 of 10 taken: a batch of 5 more is not covered by what is kept, so the counts are read again.
    const more = await writeBatch([301, 302, 303, 304, 305].map(withLicence), deps);
    expect(reads).toHaveLength(2);
    // The fresh read says 10 left (the in-memory org does not count): all five get it.
    expect(more.map((r) => r.status)).toEqual(['success', 'success', 'success', 'success', 'success']);
  });

  it('tells a write no licence is left only after a fresh read says so: one freed since is given', async () => {
    const { reads, deps, set } = counted({ total: 1, assigned: 0 });
    const [first] = await writeBatch([withLicence(401)], deps);
    expect(first).toMatchObject({ status: 'success', error: null });
    // Kept: 0 left. Someone frees one in Salesforce; the next write reads again before refusing.
    set({ total: 1, assigned: 0 });
    const [second] = await writeBatch([withLicence(402)], deps);
    expect(reads).toHaveLength(2);
    expect(second).toMatchObject({ status: 'success', error: null });
    // Now truly none left: the fresh read says so, and the write goes without it, with the warning.
    set({ total: 1, assigned: 1 });
    const [third] = await writeBatch([withLicence(403)], deps);
    expect(reads).toHaveLength(3);
    expect(third).toMatchObject({ status: 'warning', error: { code: 'SalesforceLicenseLimitExceeded' } });
  });

  it('reads again once the kept counts are older than maxAgeMs, and once for batches asking at the same time', async () => {
    const { reads, deps } = counted({ total: 100, assigned: 0 });
    await Promise.all([writeBatch([withLicence(501)], deps), writeBatch([withLicence(502)], deps)]);
    expect(reads).toHaveLength(1);
    await writeBatch([withLicence(503)], deps);
    expect(reads).toHaveLength(1);
    await deps.clock.sleep(60_000);
    await writeBatch([withLicence(504)], deps);
    expect(reads).toHaveLength(2);
  });
});
