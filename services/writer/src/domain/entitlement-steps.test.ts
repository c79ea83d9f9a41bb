import { describe, expect, it } from 'vitest';
import { aCommand } from '../testing/commands.ts';
import { InMemorySalesforceDirectory } from '../testing/in-memory-directory.ts';
import { CountingBudget, InMemoryLinkStore, VirtualClock } from '../testing/in-memory-stores.ts';
import { writeBatch } from './batch-writer.ts';
import { SalesforceCallError } from './errors.ts';
import type { EntitlementStepChanges, GroupMembershipOutcome, PermissionSetOutcome } from './ports.ts';

/** A directory that takes every step in one call, as the Salesforce adapter does (in turn here). */
class TogetherDirectory extends InMemorySalesforceDirectory {
  readonly together: string[][] = [];

  async assignEntitlements(
    steps: readonly EntitlementStepChanges[],
    options: { readonly dryRun: boolean },
  ): Promise<(PermissionSetOutcome[] | GroupMembershipOutcome[])[]> {
    this.together.push(steps.map((s) => s.kind));
    const out: (PermissionSetOutcome[] | GroupMembershipOutcome[])[] = [];
    for (const s of steps) {
      if (s.kind === 'groupMemberships') out.push(await this.assignGroupMemberships(s.changes, options));
      else if (s.kind === 'permissionSets') out.push(await this.assignPermissionSets(s.changes, options));
      else if (s.kind === 'permissionSetGroups') out.push(await this.assignPermissionSetGroups(s.changes, options));
      else out.push(await this.assignPermissionSetLicenses(s.changes, options));
    }
    return out;
  }
}

function setup<D extends InMemorySalesforceDirectory>(directory: D = new InMemorySalesforceDirectory() as D) {
  const links = new InMemoryLinkStore();
  const deps = { directory, links, budget: new CountingBudget(), clock: new VirtualClock(), random: () => 0 };
  return { directory, links, deps };
}

/**
 * Writes one update to a linked user that holds a set group and a licence: a permission set to add,
 * a group and a licence to swap.
 */
async function changeEveryKind(
  n: number,
  directory: InMemorySalesforceDirectory,
  links: InMemoryLinkStore,
  deps: ReturnType<typeof setup>['deps'],
) {
  const base = aCommand({ n });
  const id = directory.seed({ ...base.fields, Username: `user${n}@contoso.com` });
  directory.permissionSetGroups.set(id, new Set(['Sales_Operations']));
  directory.permissionSetLicenses.set(id, new Set(['Old_Licence']));
  directory.licenceTotals.set('Old_Licence', 5);
  await links.setMany(new Map([[`entra-${n}`, id]]));
  const [result] = await writeBatch(
    [
      {
        ...base,
        action: 'update',
        fields: {},
        permissionSets: { add: ['Sales_Cloud_User'], remove: [] },
        permissionSetGroups: { add: ['Console_Agents'], remove: ['Sales_Operations'] },
        permissionSetLicenses: { add: ['SalesConsoleUser'], remove: ['Old_Licence'] },
      },
    ],
    deps,
  );
  return result;
}

describe('writeBatch: permission set groups and licences', () => {
  it('gives licences before the sets and groups, takes them back after, and logs each type old → new', async () => {
    const { directory, links, deps } = setup();
    const result = await changeEveryKind(300, directory, links, deps);
    expect(result).toMatchObject({ status: 'success', error: null });
    expect(directory.entitlementCalls).toEqual([
      'permissionSetLicenses+',
      'permissionSetGroups+-',
      'permissionSetLicenses-',
    ]);
    expect(directory.calls.map((c) => c.operation).filter((o) => o !== 'query')).toEqual([
      'permissionSetLicenses',
      'permissionSets',
      'permissionSetGroups',
      'permissionSetLicenses',
    ]);
    expect(result?.modifiedProperties).toEqual([
      { name: 'PermissionSetLicenses', oldValue: ['Old_Licence'], newValue: ['SalesConsoleUser'] },
      { name: 'PermissionSets', oldValue: [], newValue: ['Sales_Cloud_User'] },
      { name: 'PermissionSetGroups', oldValue: ['Sales_Operations'], newValue: ['Console_Agents'] },
    ]);
  });

  it('makes every step in one directory call when the directory takes them together, in step order, with the same result', async () => {
    const { directory, links, deps } = setup(new TogetherDirectory());
    const result = await changeEveryKind(310, directory, links, deps);
    expect(result).toMatchObject({ status: 'success', error: null });
    expect(directory.together).toEqual([
      ['permissionSetLicenses', 'permissionSets', 'permissionSetGroups', 'permissionSetLicenses'],
    ]);
    // One API call charged for all of them (the lookup of the linked user is the other).
    expect(deps.budget.spent).toBe(2);
    expect(result?.modifiedProperties).toEqual([
      { name: 'PermissionSetLicenses', oldValue: ['Old_Licence'], newValue: ['SalesConsoleUser'] },
      { name: 'PermissionSets', oldValue: [], newValue: ['Sales_Cloud_User'] },
      { name: 'PermissionSetGroups', oldValue: ['Sales_Operations'], newValue: ['Console_Agents'] },
    ]);
  });

  it('fails the users past a licence count with SalesforceLicenseLimitExceeded naming the licence, each user still created', async () => {
    const { directory, deps } = setup();
    const commands = [301, 302, 303].map((n) => ({
      ...aCommand({ n }),
      permissionSetLicenses: { add: ['SalesConsoleUser'], remove: [] },
    }));
    const results = await writeBatch(commands, deps);
    expect(results.map((r) => r.status)).toEqual(['success', 'success', 'failure']);
    expect(results[2]).toMatchObject({
      linkedBy: 'created',
      error: { code: 'SalesforceLicenseLimitExceeded', fields: ['PermissionSetLicenses'], retriable: false },
    });
    expect(results[2]?.error?.message).toContain("'SalesConsoleUser'");
    expect(results[2]?.error?.recommendedAction).toMatch(/permission set licence/);
    expect(directory.users.size).toBe(3);
  });

  it('keeps what earlier steps applied when a later call fails as a whole, and retries only what is left', async () => {
    const { directory, deps } = setup();
    directory.failNextCall(
      'permissionSetGroups',
      new SalesforceCallError(
        { code: 'SalesforceServiceUnavailable', message: '503', fields: [], retriable: true },
        { status: 503 },
      ),
    );
    const [result] = await writeBatch(
      [
        {
          ...aCommand({ n: 310 }),
          permissionSetLicenses: { add: ['SalesConsoleUser'], remove: [] },
          permissionSetGroups: { add: ['Console_Agents'], remove: [] },
        },
      ],
      deps,
    );
    expect(result).toMatchObject({ status: 'success', attempt: 2, error: null });
    expect(result?.modifiedProperties).toEqual(
      expect.arrayContaining([
        { name: 'PermissionSetLicenses', oldValue: [], newValue: ['SalesConsoleUser'] },
        { name: 'PermissionSetGroups', oldValue: [], newValue: ['Console_Agents'] },
      ]),
    );
    expect(directory.count('create')).toBe(1);
  });

  it('previews a new user’s groups and licences in a dry run', async () => {
    const { directory, deps } = setup();
    const [result] = await writeBatch(
      [
        {
          ...aCommand({ n: 320 }),
          dryRun: true,
          permissionSetGroups: { add: ['Console_Agents'], remove: [] },
          permissionSetLicenses: { add: ['SalesConsoleUser'], remove: [] },
        },
      ],
      deps,
    );
    expect(result).toMatchObject({ status: 'skipped', dryRun: true });
    expect(result?.modifiedProperties).toEqual(
      expect.arrayContaining([
        { name: 'PermissionSetGroups', oldValue: [], newValue: ['Console_Agents'] },
        { name: 'PermissionSetLicenses', oldValue: [], newValue: ['SalesConsoleUser'] },
      ]),
    );
    expect(directory.users.size).toBe(0);
  });
});
