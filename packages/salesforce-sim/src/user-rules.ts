import { type SaveError, saveError } from './errors.ts';
import type { Org, Row } from './org.ts';

/**
 * Feature licences: a `UserPermissions*` flag consumes one of the org's licences of that feature
 * (Marketing User, Knowledge User, Service Cloud User, …). A flag set with none left is refused
 * with `LICENSE_LIMIT_EXCEEDED` (Salesforce KB 000221882: inserting users with feature-licence
 * flags the org does not own). Features the org was not seeded with are not limited.
 */
export const FEATURE_LICENCES: Readonly<Record<string, string>> = {
  UserPermissionsMarketingUser: 'Marketing User',
  UserPermissionsOfflineUser: 'Offline User',
  UserPermissionsCallCenterAutoLogin: 'Auto-login To Call Center',
  UserPermissionsKnowledgeUser: 'Knowledge User',
  UserPermissionsSupportUser: 'Service Cloud User',
  UserPermissionsInteractionUser: 'Flow User',
};

/** Why Salesforce refuses to deactivate a user, and the message it gives. */
export const DEACTIVATION_BLOCKERS = {
  defaultLeadOwner:
    'This user is the default lead owner. Change the default lead owner in Lead Settings before deactivating this user.',
  defaultCaseOwner:
    'This user is the default case owner. Change the default case owner in Support Settings before deactivating this user.',
  workflowUser:
    'This user is the Default Workflow User. You cannot deactivate the user without changing the setting in Process Automation Settings.',
  hierarchyField:
    'This user is selected in a hierarchy custom field on another user. Remove the user from that field before deactivating this user.',
} as const;
export type DeactivationBlocker = keyof typeof DEACTIVATION_BLOCKERS;

export function isDeactivationBlocker(value: unknown): value is DeactivationBlocker {
  return typeof value === 'string' && Object.hasOwn(DEACTIVATION_BLOCKERS, value);
}

function featureErrors(org: Org, next: Row, selfId: string | undefined): SaveError[] {
  if (next['IsActive'] === false || org.featureLicences.size === 0) return [];
  for (const [field, label] of Object.entries(FEATURE_LICENCES)) {
    const total = org.featureLicences.get(field);
    if (total === undefined || next[field] !== true) continue;
    let used = 0;
    for (const [id, user] of org.users) if (id !== selfId && user['IsActive'] === true && user[field] === true) used++;
    if (used >= total) return [saveError('LICENSE_LIMIT_EXCEEDED', `License Limit Exceeded - ${label}`, [field])];
  }
  return [];
}

/**
 * Checks Salesforce applies to a user beyond its fields: feature licences, a profile the user's
 * licence cannot move to, and deactivation blockers. `current` is the stored user of an update.
 */
export function userRuleErrors(org: Org, current: Row | undefined, next: Row): SaveError[] {
  const selfId = current?.['Id'] as string | undefined;
  const errors = featureErrors(org, next, selfId);
  if (current && next['ProfileId'] !== current['ProfileId']) {
    // Chatter Free users can be upgraded to a Salesforce licence, never the other way round
    // (Salesforce Help, "Chatter Free Licenses").
    const from = org.licenceOfProfile(current['ProfileId']);
    const to = org.licenceOfProfile(next['ProfileId']);
    const toType = org.profiles.get(next['ProfileId'] as string)?.['UserType'];
    if (from && to && current['UserType'] !== 'CsnOnly' && toType === 'CsnOnly') {
      errors.push(
        saveError(
          'FIELD_INTEGRITY_EXCEPTION',
          `Cannot change the license of a ${from.MasterLabel} user to ${to.MasterLabel}: ProfileId`,
          ['ProfileId'],
        ),
      );
    }
  }
  if (current && current['IsActive'] === true && next['IsActive'] === false) {
    const blocker = org.deactivationBlockers.get(current['Id'] as string);
    if (blocker) errors.push(saveError('FIELD_INTEGRITY_EXCEPTION', DEACTIVATION_BLOCKERS[blocker], ['IsActive']));
  }
  return errors;
}
