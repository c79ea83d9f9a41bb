/**
 * Stable codes for everything Salesforce can answer. The first three are the Entra provisioning
 * service's own codes (reference §1.4); the others follow the same naming.
 */
export const SALESFORCE_ERROR_CODES = {
  SalesforceDuplicateUserName: { retriable: false, summary: 'The Username is taken, in this or another org.' },
  SalesforceLicenseLimitExceeded: {
    retriable: false,
    summary:
      'No licence of the profile’s user licence, or of a feature licence the user is given (fields name it), is left.',
  },
  SalesforceRequiredFieldMissing: { retriable: false, summary: 'A required User field is missing.' },
  SalesforceInvalidPicklistValue: { retriable: false, summary: 'A value is not in a restricted picklist.' },
  SalesforceValueTooLong: { retriable: false, summary: 'A value exceeds the field’s maximum length.' },
  SalesforceInvalidEmail: { retriable: false, summary: 'An email address is malformed.' },
  SalesforceInvalidValue: {
    retriable: false,
    summary: 'A value is not acceptable (e.g. a non-email Username, a bad id).',
  },
  SalesforceDuplicateValue: { retriable: false, summary: 'A unique value (e.g. the nickname) is taken.' },
  SalesforceInvalidField: { retriable: false, summary: 'A field does not exist or cannot be written.' },
  SalesforceUnknownProfile: { retriable: false, summary: 'ProfileName names no profile of the org.' },
  SalesforceUnknownRole: { retriable: false, summary: 'UserRoleName names no role (UserRole) of the org.' },
  SalesforceUnknownPermissionSet: {
    retriable: false,
    summary: 'A permission set to assign names no (assignable) permission set of the org.',
  },
  SalesforceUnknownGroup: {
    retriable: false,
    summary: 'A public group or queue to join names no Group (DeveloperName, of that type) of the org.',
  },
  SalesforceUnknownPermissionSetGroup: {
    retriable: false,
    summary: 'A permission set group to assign names no PermissionSetGroup (DeveloperName) of the org.',
  },
  SalesforceUnknownPermissionSetLicense: {
    retriable: false,
    summary: 'A permission set licence to assign names no PermissionSetLicense (DeveloperName) of the org.',
  },
  SalesforcePermissionSetGroupNotUpdated: {
    retriable: false,
    summary:
      'The permission set group’s Status is not Updated (being recalculated, or failed): it cannot be assigned yet.',
  },
  SalesforcePermissionSetLicenseRequired: {
    retriable: false,
    summary: 'A permission set (or a group’s) needs a permission set licence the user does not hold.',
  },
  SalesforceRecordNotFound: { retriable: false, summary: 'The record does not exist.' },
  SalesforceDeactivationBlocked: {
    retriable: false,
    summary:
      'Salesforce refuses to deactivate the user while an org setting names it (default lead or case owner, workflow user, a hierarchy field).',
  },
  SalesforceLicenseChangeRefused: {
    retriable: false,
    summary:
      'Salesforce does not move the user to the profile’s user licence (e.g. from a Salesforce licence down to Chatter Free).',
  },
  SalesforceEntityCannotBeSaved: {
    retriable: false,
    summary: 'Salesforce automation (trigger, rule) refused the save.',
  },
  SalesforceInsufficientAccess: { retriable: false, summary: 'The integration user lacks a permission.' },
  SalesforceAuthenticationFailed: { retriable: false, summary: 'Salesforce refused the credentials.' },
  SalesforceApiDisabled: { retriable: false, summary: 'API access is disabled for the org or the user.' },
  SalesforceMalformedRequest: { retriable: false, summary: 'Salesforce could not parse the request.' },
  SalesforceRolledBack: {
    retriable: true,
    summary: 'Rolled back because another record of an all-or-none call failed.',
  },
  SalesforceRecordLocked: { retriable: true, summary: 'The record was locked by another transaction.' },
  SalesforceRequestLimitExceeded: {
    retriable: true,
    summary: 'The org’s API allocation is spent (rolling 24 hours).',
  },
  SalesforceConcurrentLimitExceeded: {
    retriable: true,
    summary: 'Too many long-running requests (≥ 20 s) at once in the org: send fewer at a time, then retry.',
  },
  SalesforceSessionExpired: { retriable: true, summary: 'The session expired or is invalid.' },
  SalesforceServiceUnavailable: { retriable: true, summary: 'Salesforce answered with a server error.' },
  SalesforceNetworkError: {
    retriable: true,
    summary: 'Salesforce could not be reached (connection failed or dropped).',
  },
  SalesforceUnknown: { retriable: false, summary: 'An error not otherwise classified.' },
} as const satisfies Record<string, { retriable: boolean; summary: string }>;

export type SalesforceErrorCode = keyof typeof SALESFORCE_ERROR_CODES;
