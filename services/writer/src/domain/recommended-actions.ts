/**
 * What an admin can do about each error the writer reports, by Entra-style code (reference
 * §1.4, §2.10). Codes not listed get a generic hint naming the Salesforce code.
 */
const RETRIED_AFTER_FIX =
  'The mapper retries the deactivation on its backoff, so once the setting is changed the user is deactivated with no change in Entra.';

const ACTIONS: Readonly<Record<string, string>> = {
  SalesforceDuplicateUserName:
    'Usernames are unique across all Salesforce orgs: set usernameCollision.suffix in the mapping (the user is then created with it), change the Username mapping, or remove the user from the other org. Retried on the next change.',
  SalesforceUsernameSuffixed:
    'Nothing to do unless the user should sign in with the plain username: free it in the other org, then change the Salesforce username by hand; Provision keeps either form.',
  SalesforceLicenseLimitExceeded:
    'No licence is left — of the profile’s user licence, or of the permission set licence the message names (Setup → Company Information → Permission Set Licenses): buy licences, take them back from users who no longer need them, or review who is in the Entra group of the permissionSetLicenseRules. Retried automatically.',
  SalesforceRequiredFieldMissing:
    'A required Salesforce field (e.g. Email, Alias, LastName) has no value: populate it in Entra or exclude such users with a scoping filter.',
  SalesforceInvalidPicklistValue:
    'A value is not allowed by the Salesforce picklist (locale, language, time zone, encoding): fix the attribute mapping or enable the value in Salesforce.',
  SalesforceUnknownProfile:
    'The app role names a profile that does not exist in Salesforce: re-import the profiles as app roles or fix the role assignment.',
  SalesforceUnknownRole:
    'The role rules name a Salesforce role (UserRole.Name) that does not exist: create the role in Salesforce or fix roleRules in the mapping. Retried automatically.',
  SalesforceUnknownPermissionSet:
    'The permission-set rules name a permission set (PermissionSet.Name, not its label) that does not exist or belongs to a profile: create it in Salesforce or fix permissionSetRules. The user itself is provisioned; retried automatically.',
  SalesforceUnknownGroup:
    'The group membership rules name a public group or queue (its DeveloperName, not its label, and of that type) that does not exist: create it in Salesforce (Setup → Public Groups or Queues) or fix groupMembershipRules. The user itself is provisioned; retried automatically.',
  SalesforceUnknownPermissionSetGroup:
    'The permission set group rules name a permission set group (its DeveloperName, not its label) that does not exist: create it in Salesforce (Setup → Permission Set Groups) or fix permissionSetGroupRules. The user itself is provisioned; retried automatically.',
  SalesforceUnknownPermissionSetLicense:
    'The permission set licence rules name a permission set licence (its DeveloperName) the org does not have: check Setup → Company Information → Permission Set Licenses, or fix permissionSetLicenseRules. The user itself is provisioned; retried automatically.',
  SalesforcePermissionSetGroupNotUpdated:
    'The permission set group is being recalculated (Status Outdated or Updating) or its recalculation failed: Salesforce assigns only groups whose Status is Updated. Wait for it, or fix the group in Setup → Permission Set Groups; retried automatically.',
  SalesforcePermissionSetLicenseRequired:
    'A permission set (or a set in the permission set group) needs a permission set licence the user does not hold: add the licence to a permissionSetLicenseRules entry for the same Entra group (Provision assigns licences first). Retried automatically.',
  SalesforceDuplicateValue:
    'A value that must be unique in the org (e.g. CommunityNickname) is taken: map it from a unique attribute or leave it to Salesforce.',
  SalesforceValueTooLong:
    'A value is longer than the Salesforce field allows: shorten it in Entra or truncate it in the mapping (e.g. Mid()).',
  SalesforceInvalidEmail: 'The email address is not valid for Salesforce: fix the mail attribute in Entra.',
  SalesforceInvalidField:
    'The mapping writes a field Salesforce does not know or does not let the integration user write: fix the attribute mapping.',
  SalesforceInsufficientAccess:
    'The integration user lacks permission: give its profile "API Enabled" and "Manage Users" directly (not via a permission set).',
  SalesforceAuthenticationFailed:
    'Salesforce refused the credentials: check the username, password and security token (or the connected app) and update the writer settings.',
  SalesforceRequestLimitExceeded:
    "The org's API request allocation is spent: wait for the rolling 24-hour window, buy more calls, or lower SALESFORCE_API_BUDGET_PER_MINUTE.",
  SalesforceConcurrentLimitExceeded:
    'Too many long-running requests ran at once in the org: the writer sends fewer at a time and retries; if it persists, look for other integrations running long requests.',
  SalesforceApiDisabled:
    'API access is disabled for the org or the integration user: enable "API Enabled" on its profile.',
  SalesforceInvalidValue:
    'Salesforce refused a value (e.g. a Username that is not an email address, a bad reference): fix the attribute mapping.',
  SalesforceDeactivationBlocked:
    "Salesforce will not deactivate the user while an org setting names it: change that setting in Salesforce Setup (Salesforce's message says which). The user stays frozen or active meanwhile; the mapper retries the deactivation on its backoff, so nothing more is needed in Entra.",
  SalesforceLicenseChangeRefused:
    "Salesforce does not change this user's licence to the new profile's (a Salesforce user cannot become Chatter Free): the user keeps its current profile. Assign a role whose profile has a compatible user licence, or deactivate this user and give the person a new Salesforce user for the other licence. Retried on the next change.",
  SalesforceEntityCannotBeSaved:
    'Salesforce automation (a validation rule, trigger or flow) refused the save: check the message and the org configuration.',
  SalesforceRecordNotFound:
    'The linked Salesforce user no longer exists: restart provisioning (full sync) to match or create it again.',
  SalesforceRecordLocked:
    'Salesforce kept the record locked by another transaction; retried automatically, then on the next change.',
  SalesforceRolledBack: 'Rolled back because another record of the same call failed; retried on the next change.',
  SalesforceSessionExpired: 'The Salesforce session expired and could not be renewed; check the credentials.',
  SalesforceServiceUnavailable:
    'Salesforce answered with a server error; retried automatically, then on the next change.',
  SalesforceNetworkError:
    'Salesforce could not be reached; retried automatically, then on the next change. Check SALESFORCE_LOGIN_URL and the network.',
  SalesforceRequestFailed:
    'Salesforce could not be reached or answered with a server error; retried automatically on the next change.',
  SalesforceUserNotFound:
    'No Salesforce user is linked to or matches this Entra user, so there is nothing to update: restart provisioning (full sync) to create it, or check the matching attribute.',
  SalesforcePartiallyApplied:
    'The user is provisioned; the fields named in the message cannot be written through this Salesforce connection. Set them in Salesforce, or remove their mappings.',
  DuplicateTargetEntries:
    'Several Salesforce users have the same matching attribute value: make the value unique in Salesforce (matching attributes must be unique).',
};

/**
 * What keeps Salesforce from deactivating a user, by what its message names, and where in Setup an
 * admin changes it (Salesforce Help, "Deactivate Users": a user named in these settings must be
 * replaced there first).
 */
const DEACTIVATION_BLOCKERS: readonly { readonly pattern: RegExp; readonly action: string }[] = [
  {
    pattern: /default lead (owner|creator)|lead settings/i,
    action:
      'The user is the default lead owner (or creator): in Setup → Lead Settings, choose another Default Lead Owner (and check the lead assignment rules and Web-to-Lead default creator).',
  },
  {
    pattern: /default case owner|automated case user|support settings/i,
    action:
      'The user is the default case owner or the automated case user: in Setup → Support Settings, choose another Default Case Owner and Automated Case User.',
  },
  {
    pattern: /workflow user|process automation/i,
    action:
      'The user is the Default Workflow User: in Setup → Process Automation Settings, choose another Default Workflow User.',
  },
  {
    pattern: /hierarchy/i,
    action:
      'Another user names this user in a hierarchy field (Manager, or a custom hierarchy field): clear or change that field on the other users (a list view or report on the field finds them).',
  },
];

/**
 * The recommended action for an error code, falling back to one that names the code. A refused
 * deactivation names the setting to change when Salesforce's `message` says which it is.
 */
export function recommendedActionFor(code: string, salesforceCode?: string, message?: string): string {
  if (code === 'SalesforceDeactivationBlocked' && message) {
    const blocker = DEACTIVATION_BLOCKERS.find((b) => b.pattern.test(message));
    if (blocker) return `${blocker.action} ${RETRIED_AFTER_FIX}`;
  }
  return (
    ACTIONS[code] ??
    `Salesforce refused the change${salesforceCode ? ` (${salesforceCode})` : ''}: check the message and the attribute mapping.`
  );
}
