import type { AppRoleAssignment, CurrentSalesforceUser, EntraUser } from './types.ts';

// Builders shared by the tests of this package (not exported from index.ts).

export const ADA_ID = '11111111-1111-1111-1111-111111111111';
export const SALES_GROUP = '22222222-2222-2222-2222-222222222222';
export const ADMINS_GROUP = '33333333-3333-3333-3333-333333333333';
export const STANDARD_ROLE_ID = 'aaaaaaaa-0000-0000-0000-000000000001';
export const ADMIN_ROLE_ID = 'aaaaaaaa-0000-0000-0000-000000000002';

/** Ada Lovelace, enabled, member of the sales group. */
export function entraUser(overrides: Partial<EntraUser> & { attributes?: EntraUser['attributes'] } = {}): EntraUser {
  return {
    id: ADA_ID,
    memberOf: [SALES_GROUP],
    ...overrides,
    attributes: {
      userPrincipalName: 'Ada.Lovelace@contoso.com',
      mail: 'ada.lovelace@contoso.com',
      givenName: 'Ada',
      surname: 'Lovelace',
      displayName: 'Ada Lovelace',
      accountEnabled: true,
      department: 'Sales',
      preferredLanguage: 'en-GB',
      ...overrides.attributes,
    },
  };
}

export function direct(roleValue: string | null, appRoleId = STANDARD_ROLE_ID): AppRoleAssignment {
  return { principalId: ADA_ID, principalType: 'User', appRoleId, roleValue };
}

export function viaGroup(group: string, roleValue: string | null, appRoleId = STANDARD_ROLE_ID): AppRoleAssignment {
  return { principalId: group, principalType: 'Group', appRoleId, roleValue };
}

/** The Salesforce user Provision would have created for Ada with the default mapping and role "Standard User". */
export function salesforceUser(overrides: Partial<Record<string, unknown>> = {}): CurrentSalesforceUser {
  return {
    Id: '005000000000001AAA',
    IsActive: true,
    Alias: 'Ada.Love',
    Email: 'ada.lovelace@contoso.com',
    EmailEncodingKey: 'ISO-8859-1',
    LanguageLocaleKey: 'en_US',
    FirstName: 'Ada',
    LastName: 'Lovelace',
    LocaleSidKey: 'en_GB',
    ProfileName: 'Standard User',
    TimeZoneSidKey: 'America/Los_Angeles',
    Username: 'ada.lovelace@contoso.com',
    UserPermissionsCallCenterAutoLogin: false,
    UserPermissionsMarketingUser: false,
    UserPermissionsOfflineUser: false,
    ...overrides,
  } as CurrentSalesforceUser;
}
