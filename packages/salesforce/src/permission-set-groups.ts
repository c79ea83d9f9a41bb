import { type RowKind, salesforceNames } from './assignment-rows.ts';
import { salesforceError } from './classify.ts';

/** The query of users' permission set group assignments (PermissionSetAssignment rows with a group). */
export const PERMISSION_SET_GROUP_ASSIGNMENT_QUERY =
  'SELECT Id, AssigneeId, PermissionSetGroupId, PermissionSetGroup.DeveloperName FROM PermissionSetAssignment';

/**
 * Permission set groups by DeveloperName, case-insensitively: PermissionSetAssignment rows that
 * name a PermissionSetGroupId (the rows of plain permission sets are left to those). Salesforce
 * refuses a group whose Status is not Updated (`SalesforcePermissionSetGroupNotUpdated`) and one
 * holding a set that needs a licence the user lacks (`SalesforcePermissionSetLicenseRequired`).
 */
export function permissionSetGroupKind(names: Pick<RowKind<string>, 'catalogue' | 'forget'>): RowKind<string> {
  return {
    ...salesforceNames(names),
    query: PERMISSION_SET_GROUP_ASSIGNMENT_QUERY,
    userField: 'AssigneeId',
    heldOf: (row) => {
      const name = row['PermissionSetGroup.DeveloperName'];
      return typeof name === 'string' && name !== '' && typeof row['PermissionSetGroupId'] === 'string'
        ? name
        : undefined;
    },
    record: (userId, group) => ({ AssigneeId: userId, PermissionSetGroupId: group.id }),
    unknown: (name, deleted) =>
      salesforceError(
        'SalesforceUnknownPermissionSetGroup',
        deleted
          ? `The permission set group '${name}' no longer exists in the org`
          : `No permission set group (PermissionSetGroup DeveloperName) '${name}' in the org`,
        ['PermissionSetGroups'],
      ),
    targetField: 'PermissionSetGroupId',
    deletedIsUnknown: true,
  };
}
