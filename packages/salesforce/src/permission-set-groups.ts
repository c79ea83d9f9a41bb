import { developerNameKind, type RowKind } from './assignment-rows.ts';

/**
 * Permission set groups by DeveloperName, case-insensitively: PermissionSetAssignment rows that
 * name a PermissionSetGroupId (the rows of plain permission sets are left to those). Salesforce
 * refuses a group whose Status is not Updated (`SalesforcePermissionSetGroupNotUpdated`) and one
 * holding a set that needs a licence the user lacks (`SalesforcePermissionSetLicenseRequired`).
 */
export function permissionSetGroupKind(names: Pick<RowKind<string>, 'catalogue' | 'forget'>): RowKind<string> {
  return developerNameKind({
    names,
    object: 'PermissionSetAssignment',
    targetField: 'PermissionSetGroupId',
    relationship: 'PermissionSetGroup',
    target: 'PermissionSetGroup',
    label: 'permission set group',
    unknownCode: 'SalesforceUnknownPermissionSetGroup',
    field: 'PermissionSetGroups',
  });
}
