import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAPPING_YAML, defaultMappingConfig } from './default-mapping.ts';

describe('default mapping', () => {
  it('embeds exactly the YAML file admins copy', () => {
    const file = readFileSync(new URL('../config/default-mapping.yaml', import.meta.url), 'utf8');
    expect(DEFAULT_MAPPING_YAML).toBe(file);
  });

  it("is Entra's Salesforce default mapping (reference §1.2)", () => {
    const config = defaultMappingConfig();
    const rows = config.mappings.map((m) => [m.target, m.source ?? m.expression ?? null, m.default ?? null]);
    expect(rows).toEqual([
      ['IsActive', 'Not([IsSoftDeleted])', 'True'],
      ['Alias', 'Mid([userPrincipalName], 1, 8)', null],
      ['Email', 'mail', null],
      ['EmailEncodingKey', null, 'ISO-8859-1'],
      ['LanguageLocaleKey', null, 'en_US'],
      ['FirstName', 'givenName', null],
      ['LastName', 'surname', '.'],
      ['LocaleSidKey', 'Replace([preferredLanguage], "-", , , "_", , )', 'en_US'],
      ['ProfileName', 'SingleAppRoleAssignment([appRoleAssignments])', 'Chatter Free User'],
      ['TimeZoneSidKey', null, 'America/Los_Angeles'],
      ['Username', 'userPrincipalName', null],
      ['UserPermissionsCallCenterAutoLogin', null, 'False'],
      ['UserPermissionsMarketingUser', null, 'False'],
      ['UserPermissionsOfflineUser', null, 'False'],
    ]);
    expect(config.mappings.filter((m) => m.matchingPrecedence !== undefined).map((m) => m.target)).toEqual([
      'Username',
    ]);
    expect(config.scope).toBe('assignedUsersAndGroups');
    expect(config.deprovisioning.action).toBe('deactivate');
  });
});
