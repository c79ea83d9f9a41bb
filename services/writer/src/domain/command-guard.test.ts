import { defaultMappingConfig, loadMappingConfig } from '@provision/mapping';
import { describe, expect, it } from 'vitest';
import { commandPolicy, commandRefusal } from './command-guard.ts';

const command = (over: Partial<Parameters<typeof commandRefusal>[0]> = {}) => ({
  fields: { Username: 'u1@contoso.com', ProfileName: 'Standard User', IsActive: true },
  matching: { attribute: 'Username', value: 'u1@contoso.com' },
  permissionSets: { add: [], remove: [] },
  ...over,
});

describe('commandRefusal with the default mapping', () => {
  const policy = commandPolicy(defaultMappingConfig());

  it('allows what the mapping produces, including a profile from an app role and the lifecycle fields', () => {
    expect(commandRefusal(command(), policy)).toBeUndefined();
    expect(commandRefusal(command({ fields: { ProfileName: 'System Administrator' } }), policy)).toBeUndefined();
    expect(commandRefusal(command({ fields: { IsActive: false } }), policy)).toBeUndefined();
    expect(commandRefusal(command({ fields: { IsFrozen: true } }), policy)).toBeUndefined();
  });

  it('allows the durable link field when the mapping declares one, and only then', () => {
    const linked = commandPolicy({ ...defaultMappingConfig(), link: { field: 'EntraObjectId__c' } });
    expect(commandRefusal(command({ fields: { EntraObjectId__c: 'entra-1' } }), linked)).toBeUndefined();
    expect(commandRefusal(command({ fields: { EntraObjectId__c: 'entra-1' } }), policy)).toMatch(/EntraObjectId__c/);
  });

  it('refuses a field no mapping targets, in fields or in createFields, naming it', () => {
    expect(commandRefusal(command({ fields: { UserPermissionsModifyAllData: true } }), policy)).toBe(
      'The command sets "UserPermissionsModifyAllData", which no mapping targets',
    );
    expect(commandRefusal(command({ createFields: { ProfileId: '00e000000000001', Username: 'x' } }), policy)).toBe(
      'The command sets "ProfileId", which no mapping targets',
    );
    // Field names are exact: the mapper never writes another spelling.
    expect(commandRefusal(command({ fields: { profilename: 'x' } }), policy)).toMatch(/"profilename"/);
  });

  it('refuses a role, a permission set and a matching attribute no rule gives, all in one reason', () => {
    const reason = commandRefusal(
      command({
        fields: { UserRoleName: 'CEO' },
        permissionSets: { add: ['Modify_All'], remove: [] },
        matching: { attribute: 'Email', value: 'ceo@contoso.com' },
      }),
      policy,
    );
    expect(reason).toBe(
      'The command gives the role "CEO", which no role rule gives; grants the permission set "Modify_All", which no rule grants; matches on Email, which is not a matching attribute of the mapping',
    );
    expect(commandRefusal(command({ fields: { UserRoleName: null } }), policy)).toBeUndefined();
  });
});

describe('commandRefusal with rules', () => {
  it('allows the roles and permission sets the rules give, and only those', () => {
    const mapping = loadMappingConfig(`version: 1
mappings:
  - { target: Username, source: userPrincipalName, matchingPrecedence: 1 }
  - { target: FederationIdentifier, source: objectId, matchingPrecedence: 2 }
roleRules: [{ group: g1, role: Sales Rep }]
permissionSetRules: [{ group: g1, permissionSets: [Sales_Cloud_User] }]
`);
    const policy = commandPolicy(mapping);
    const ok = command({
      fields: { UserRoleName: 'Sales Rep', FederationIdentifier: 'x' },
      permissionSets: { add: ['Sales_Cloud_User'], remove: ['Old'] },
      matching: { attribute: 'FederationIdentifier', value: 'x' },
    });
    expect(commandRefusal(ok, policy)).toBeUndefined();
    // ProfileName is not a target of this mapping: a profile cannot be forged in.
    expect(commandRefusal(command({ fields: { ProfileName: 'System Administrator' } }), policy)).toBe(
      'The command sets "ProfileName", which no mapping targets',
    );
  });
});

describe('commandRefusal with group membership rules', () => {
  const policy = commandPolicy(
    loadMappingConfig(`version: 1
mappings:
  - { target: Username, source: userPrincipalName, matchingPrecedence: 1 }
groupMembershipRules: [{ group: g1, publicGroups: [Sales_Team], queues: [Leads_Queue] }]
`),
  );

  it('allows joining the public groups and queues the rules name, and leaving any (a rule removed since)', () => {
    const ok = command({
      fields: { Username: 'u1@contoso.com' },
      groupMemberships: {
        add: [
          { type: 'publicGroup', name: 'Sales_Team' },
          { type: 'queue', name: 'Leads_Queue' },
        ],
        remove: [{ type: 'publicGroup', name: 'Old_Team' }],
      },
    });
    expect(commandRefusal(ok, policy)).toBeUndefined();
  });

  it('refuses joining a group no rule names, or a named public group as a queue, naming them', () => {
    const forged = command({
      fields: { Username: 'u1@contoso.com' },
      groupMemberships: {
        add: [
          { type: 'publicGroup', name: 'All_Internal_Users' },
          { type: 'queue', name: 'Sales_Team' },
        ],
        remove: [],
      },
    });
    expect(commandRefusal(forged, policy)).toBe(
      'The command joins the "public group All_Internal_Users", "queue Sales_Team", which no group membership rule names',
    );
  });
});

describe('commandRefusal with feature licence rules', () => {
  const mapping = loadMappingConfig(`version: 1
mappings:
  - { target: Username, source: userPrincipalName, matchingPrecedence: 1 }
featureLicenseRules:
  - { group: g1, featureLicenses: [UserPermissionsSupportUser] }
`);
  const policy = commandPolicy(mapping);

  it('lets a rule tick its licence and anything untick a licence, and refuses ticking one no rule names', () => {
    expect(commandRefusal(command({ fields: { UserPermissionsSupportUser: true } }), policy)).toBeUndefined();
    // A rule removed since leaves a licence Provision ticked to take away.
    expect(commandRefusal(command({ fields: { UserPermissionsMarketingUser: false } }), policy)).toBeUndefined();
    expect(commandRefusal(command({ fields: { UserPermissionsMarketingUser: true } }), policy)).toBe(
      'The command sets "UserPermissionsMarketingUser", which no mapping targets',
    );
  });
});

describe('commandRefusal of permission set groups and licences', () => {
  const policy = commandPolicy(
    loadMappingConfig(
      `${JSON.stringify({
        ...defaultMappingConfig(),
        permissionSetGroupRules: [{ group: 'g1', permissionSetGroups: ['Console_Agents'] }],
        permissionSetLicenseRules: [{ group: 'g1', permissionSetLicenses: ['SalesConsoleUser'] }],
      })}`,
    ),
  );

  it('allows granting what the rules name and removing any (a rule removed since)', () => {
    const ok = command({
      fields: { Username: 'u1@contoso.com' },
      permissionSetGroups: { add: ['Console_Agents'], remove: ['Old_Group'] },
      permissionSetLicenses: { add: ['SalesConsoleUser'], remove: ['Old_Licence'] },
    });
    expect(commandRefusal(ok, policy)).toBeUndefined();
  });

  it('refuses granting a group or licence no rule names, naming them', () => {
    const forged = command({
      fields: { Username: 'u1@contoso.com' },
      permissionSetGroups: { add: ['Admin_Everything'], remove: [] },
      permissionSetLicenses: { add: ['IdentityConnect', 'Other'], remove: [] },
    });
    expect(commandRefusal(forged, policy)).toBe(
      'The command grants the permission set group "Admin_Everything", which no rule grants; grants the permission set licences "IdentityConnect", "Other", which no rule grants',
    );
  });
});
