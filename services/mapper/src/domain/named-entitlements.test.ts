import { DEFAULT_MAPPING_YAML, loadMappingConfig } from '@provision/mapping';
import { describe, expect, it } from 'vitest';
import { decideUser } from './decide-user.ts';
import { applyFact, emptyPicture, type UserPicture } from './picture.ts';

const USER = '3f1c9a52-8d2e-4b7a-9c1e-2a6b5d4e7f10';
const CONSOLE = 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e';
const rules = `permissionSetGroupRules:
  - { group: ${CONSOLE}, permissionSetGroups: [Console_Agents] }
permissionSetLicenseRules:
  - { group: ${CONSOLE}, permissionSetLicenses: [SalesConsoleUser] }
`;
const configOf = (modes = '') => loadMappingConfig(`${DEFAULT_MAPPING_YAML}\n${rules}${modes}`);
let seq = 0;
const ctx = {
  newId: () => `id-${++seq}`,
  now: () => new Date('2026-03-01T09:00:00Z'),
  dryRun: false,
  origin: 'sync' as const,
};
const base = { syncId: 'r', observedAt: '2026-03-01T09:00:00.000Z', userId: USER };
const fact = (p: UserPicture, f: Record<string, unknown>) =>
  applyFact(p, { ...base, eventId: ctx.newId(), ...f } as never, null);
const upsert = {
  type: 'user.upserted',
  complete: true,
  attributes: {
    userPrincipalName: 'adele@contoso.com',
    mail: 'adele@contoso.com',
    givenName: 'A',
    surname: 'V',
    accountEnabled: true,
  },
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
  groupId: CONSOLE,
  change,
  groupRoles: [],
});
const joinedPicture = () => [upsert, assign, member('added')].reduce(fact, emptyPicture(USER));

describe('permission set groups and licences through the mapper', () => {
  it('commands what the group grants, remembers it as granted, and under merge removes it when the user leaves the group', () => {
    const config = configOf();
    const joined = decideUser(joinedPicture(), config, ctx);
    expect(joined.command).toMatchObject({
      action: 'create',
      permissionSetGroups: { add: ['Console_Agents'], remove: [] },
      permissionSetLicenses: { add: ['SalesConsoleUser'], remove: [] },
    });
    expect(joined.picture.granted).toMatchObject({
      permissionSetGroups: ['Console_Agents'],
      permissionSetLicenses: ['SalesConsoleUser'],
    });
    expect(joined.picture.commanded).toMatchObject({
      PermissionSetGroups: ['Console_Agents'],
      PermissionSetLicenses: ['SalesConsoleUser'],
    });
    const left = decideUser(fact(joined.picture, member('removed')), config, ctx);
    expect(left.command).toMatchObject({
      action: 'update',
      permissionSetGroups: { add: [], remove: ['Console_Agents'] },
      permissionSetLicenses: { add: [], remove: ['SalesConsoleUser'] },
    });
    expect(left.picture.granted.permissionSetGroups).toBeUndefined();
    expect(left.picture.granted.permissionSetLicenses).toBeUndefined();
  });

  it('under merge never removes what Provision did not grant; under authoritative the command names every named one the user should not hold', () => {
    const noRecord = (p: UserPicture): UserPicture => ({
      ...p,
      granted: { permissionSets: [], userRole: null },
      commanded: {
        ...p.commanded!,
        PermissionSetGroups: ['Console_Agents'],
        PermissionSetLicenses: ['SalesConsoleUser'],
      },
    });
    const joined = decideUser(joinedPicture(), configOf(), ctx).picture;
    const merged = decideUser(fact(noRecord(joined), member('removed')), configOf(), ctx);
    expect(merged.command).toBeNull();
    const strict = configOf(
      'entitlementModes: { permissionSetGroups: authoritative, permissionSetLicenses: authoritative }\n',
    );
    const authoritative = decideUser(fact(noRecord(joined), member('removed')), strict, ctx);
    expect(authoritative.command).toMatchObject({
      permissionSetGroups: { add: [], remove: ['Console_Agents'] },
      permissionSetLicenses: { add: [], remove: ['SalesConsoleUser'] },
    });
  });

  it('sends neither field when nothing changes in them', () => {
    const alone = decideUser([upsert, assign].reduce(fact, emptyPicture(USER)), configOf(), ctx);
    expect(alone.command?.action).toBe('create');
    expect(alone.command && 'permissionSetGroups' in alone.command).toBe(false);
    expect(alone.command && 'permissionSetLicenses' in alone.command).toBe(false);
  });
});
