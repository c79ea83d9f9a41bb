import { describe, expect, it } from 'vitest';
import { NameLists } from './name-lists.ts';
import type { SalesforceProfile } from './types.ts';

const profile = (name: string): SalesforceProfile =>
  ({ id: `00e${name.length}`, name, userLicense: 'Salesforce', userType: 'Standard' }) as unknown as SalesforceProfile;

describe('NameLists', () => {
  it('reads the profile list again for an unknown name only once per few minutes', async () => {
    let now = 0;
    let reads = 0;
    const lists: NameLists = new NameLists({
      query: async () => [],
      listProfiles: async () => {
        reads++;
        const profiles = [profile('Standard User')];
        lists.rememberProfiles(profiles);
        return profiles;
      },
      now: () => now,
    });
    const batch = [{ ProfileName: 'Standard User' }, { ProfileName: 'Salesforce Platform User' }];
    const first = await lists.resolveUserNames(batch);
    expect(first[1]).toMatchObject({ code: 'SalesforceUnknownProfile' });
    await lists.resolveUserNames(batch);
    await lists.resolveUserNames(batch);
    expect(reads).toBe(1);
    now += NameLists.UNKNOWN_TTL_MS;
    await lists.resolveUserNames(batch);
    expect(reads).toBe(2);
    // A name never asked for before still triggers a read at once.
    await lists.resolveUserNames([{ ProfileName: 'Read Only' }]);
    expect(reads).toBe(3);
  });

  it('shares one read among calls that need the lists at the same time', async () => {
    let profileReads = 0;
    let roleReads = 0;
    const lists: NameLists = new NameLists({
      query: async () => {
        roleReads++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return [{ Id: '00E1', Name: 'CEO' }];
      },
      listProfiles: async () => {
        profileReads++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        const profiles = [profile('Standard User')];
        lists.rememberProfiles(profiles);
        return profiles;
      },
    });
    const batch = [{ ProfileName: 'Standard User', UserRoleName: 'CEO' }];
    const results = await Promise.all(Array.from({ length: 5 }, () => lists.resolveUserNames(batch)));
    expect(results.map((r) => r[0])).toEqual(Array(5).fill({ ProfileId: '00e13', UserRoleId: '00E1' }));
    expect([profileReads, roleReads]).toEqual([1, 1]);
  });
});
