import type { ResultError } from '@provision/events';
import { failureToError } from './command-parts.ts';
import { licenseNotice, refusedLicenses } from './feature-licences.ts';
import type { Fields, SalesforceFailure } from './ports.ts';

/**
 * Fields of a write Salesforce refused on their own, without which the user can still be written:
 * the feature licences none is left of, a role the org does not have, and a profile of a licence
 * Salesforce does not move the user to (to or from Chatter Free). The write is made again without
 * them; `notice` is the result's error, a warning for licences (the user is as it can be until one
 * is free) and a failure for the role and the profile (the admin must fix the org or the rule, and
 * the mapper tries them again). Without this, a rename that came in the same command as such a
 * profile change was refused with it.
 */
export interface Refusal {
  readonly fields: readonly string[];
  readonly notice: ResultError;
  readonly fails: boolean;
}

export function refusalOf(fields: Fields, failure: SalesforceFailure | undefined): Refusal | null {
  const licences = refusedLicenses(fields, failure);
  if (licences.length > 0) return { fields: licences, notice: licenseNotice(licences, false), fails: false };
  const role = fields['UserRoleName'];
  if (failure?.code === 'SalesforceUnknownRole' && role !== undefined && role !== null) {
    const error = failureToError(failure);
    return {
      fields: ['UserRoleName'],
      notice: { ...error, message: `${error.message}: the user was written without the role` },
      fails: true,
    };
  }
  if (failure?.code === 'SalesforceLicenseChangeRefused') {
    const profile = PROFILE_FIELDS.filter((f) => fields[f] !== undefined && fields[f] !== null);
    if (profile.length === 0) return null;
    const error = failureToError(failure);
    return {
      fields: profile,
      notice: { ...error, message: `${error.message}: the user was written without the profile change` },
      fails: true,
    };
  }
  return null;
}

/** How a write names the profile: by name (resolved by the gateway) or by id. */
const PROFILE_FIELDS = ['ProfileName', 'ProfileId'] as const;
