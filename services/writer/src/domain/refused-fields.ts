import type { ResultError } from '@provision/events';
import { failureToError } from './command-parts.ts';
import { licenseNotice, refusedLicenses } from './feature-licences.ts';
import type { Fields, SalesforceFailure } from './ports.ts';

/**
 * Fields of a write Salesforce refused on their own, without which the user can still be written:
 * the feature licences none is left of, and a role the org does not have. The write is made again
 * without them; `notice` is the result's error, a warning for licences (the user is as it can be
 * until one is free) and a failure for the role (as an unknown public group: the admin must fix the
 * org or the rule, and the mapper tries the role again).
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
  return null;
}
