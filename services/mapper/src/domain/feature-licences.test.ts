import { DEFAULT_MAPPING_YAML, loadMappingConfig } from '@provision/mapping';
import { describe, expect, it } from 'vitest';
import { decideUser } from './decide-user.ts';
import { diffMappings } from './mapping-diff.ts';
import { applyFact, emptyPicture, type UserPicture } from './picture.ts';

const USER = '3f1c9a52-8d2e-4b7a-9c1e-2a6b5d4e7f10';
const MARKETING = 'b0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d';
const rules = `featureLicenseRules:
  - { group: ${MARKETING}, featureLicenses: [UserPermissionsMarketingUser] }
roleRules:
  - { group: ${MARKETING}, role: Marketing_Manager }
`;
const config = loadMappingConfig(DEFAULT_MAPPING_YAML.replace('roleRules: []', rules));
let seq = 0;
const ctx = {
  newId: () => `id-${++seq}`,
  now: () => new Date('2026-03-01T09:00:00Z'),
  dryRun: false,
  origin: 'sync' as const,
};
const base = { syncId: 'r', observedAt: '2026-03-01T09:00:00.000Z', userId: USER };
const upsert = {
  type: 'user.upserted',
  complete: true,
  attributes: { userPrincipalName: 'mo@contoso.com', mail: 'mo@contoso.com', surname: 'M', accountEnabled: true },
};
const assign = {
  type: 'assignment.changed',
  assignmentId: 'a1',
  principalType: 'User',
  principalId: USER,
  role: { appRoleId: 'r1', roleValue: 'Standard User' },
  change: 'added',
};
const member = (change: 'added' | 'removed') => ({
  type: 'membership.changed',
  groupId: MARKETING,
  change,
  groupRoles: [],
});
function picture(...facts: Record<string, unknown>[]): UserPicture {
  return facts.reduce(
    (p, f) => applyFact(p, { ...base, eventId: ctx.newId(), ...f } as never, null),
    emptyPicture(USER),
  );
}

describe('feature licences and the role through the mapper', () => {
  it('remembers the licence and role it granted, and unticks and clears them when the user leaves the group', () => {
    const joined = decideUser(picture(upsert, assign, member('added')), config, ctx);
    expect(joined.command?.fields).toMatchObject({
      UserPermissionsMarketingUser: true,
      UserRoleName: 'Marketing_Manager',
    });
    expect(joined.picture.granted).toMatchObject({
      featureLicenses: ['UserPermissionsMarketingUser'],
      userRole: 'Marketing_Manager',
    });
    const left = decideUser(
      applyFact(joined.picture, { ...base, eventId: 'e2', ...member('removed') } as never, null),
      config,
      ctx,
    );
    expect(left.command?.action).toBe('update');
    expect(left.command?.fields).toMatchObject({ UserPermissionsMarketingUser: false, UserRoleName: null });
    expect(left.command?.modifiedProperties).toEqual(
      expect.arrayContaining([
        { name: 'UserPermissionsMarketingUser', oldValue: true, newValue: false },
        { name: 'UserRoleName', oldValue: 'Marketing_Manager', newValue: null },
      ]),
    );
    expect(left.picture.granted.featureLicenses).toBeUndefined();
    expect(left.picture.granted.userRole).toBeNull();
  });

  it('names a changed feature licence rule in the mapping diff', () => {
    const without = loadMappingConfig(DEFAULT_MAPPING_YAML);
    expect(diffMappings(without, config)).toEqual(
      expect.arrayContaining([{ kind: 'featureLicenseRule', key: MARKETING, change: 'added' }]),
    );
  });
});
