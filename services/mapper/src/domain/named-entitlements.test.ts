import { DEFAULT_MAPPING_YAML, loadMappingConfig } from '@provision/mapping';
import { describe, expect, it } from 'vitest';
import { decideUser } from './decide-user.ts';
import type { UserPicture } from './picture.ts';
import { assign, member, picture, testContext, upsert, withFact } from './test-pictures.ts';

const CONSOLE = 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e';
const rules = `permissionSetGroupRules:
  - { group: ${CONSOLE}, permissionSetGroups: [Console_Agents] }
permissionSetLicenseRules:
  - { group: ${CONSOLE}, permissionSetLicenses: [SalesConsoleUser] }
`;
const configOf = (modes = '') => loadMappingConfig(`${DEFAULT_MAPPING_YAML}\n${rules}${modes}`);
const ctx = testContext;
const joinedPicture = () => picture(upsert, assign, member(CONSOLE, 'added'));

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
    const left = decideUser(withFact(joined.picture, member(CONSOLE, 'removed')), config, ctx);
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
    const merged = decideUser(withFact(noRecord(joined), member(CONSOLE, 'removed')), configOf(), ctx);
    expect(merged.command).toBeNull();
    const strict = configOf(
      'entitlementModes: { permissionSetGroups: authoritative, permissionSetLicenses: authoritative }\n',
    );
    const authoritative = decideUser(withFact(noRecord(joined), member(CONSOLE, 'removed')), strict, ctx);
    expect(authoritative.command).toMatchObject({
      permissionSetGroups: { add: [], remove: ['Console_Agents'] },
      permissionSetLicenses: { add: [], remove: ['SalesConsoleUser'] },
    });
  });

  it('sends neither field when nothing changes in them', () => {
    const alone = decideUser(picture(upsert, assign), configOf(), ctx);
    expect(alone.command?.action).toBe('create');
    expect(alone.command && 'permissionSetGroups' in alone.command).toBe(false);
    expect(alone.command && 'permissionSetLicenses' in alone.command).toBe(false);
  });
});
