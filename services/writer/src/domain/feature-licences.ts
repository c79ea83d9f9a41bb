import type { ModifiedProperty, ResultError } from '@provision/events';
import { featureLicenseLabel, isFeatureLicense } from '@provision/mapping';
import type { FeatureLicenseCount, Fields, SalesforceFailure } from './ports.ts';

/** The feature licences a write ticks (`UserPermissions*` set to true). */
export function tickedLicenses(fields: Fields): string[] {
  return Object.keys(fields).filter((f) => isFeatureLicense(f) && fields[f] === true);
}

/**
 * What is left of each feature licence while a round is planned: taken one by one, in command
 * order. A licence the org reports no total for is not limited here.
 */
export class LicenseBudget {
  private readonly left = new Map<string, number>();

  constructor(counts: readonly FeatureLicenseCount[]) {
    for (const c of counts) this.left.set(c.field, Math.max(0, c.total - c.assigned));
  }

  /** Takes one of each licence; returns those none is left of (not taken). */
  take(licences: readonly string[]): string[] {
    const short = licences.filter((f) => this.left.get(f) === 0);
    for (const f of licences) {
      const n = this.left.get(f);
      if (n !== undefined && n > 0) this.left.set(f, n - 1);
    }
    return short;
  }
}

/** The write without the given licences ticked, and its modified properties likewise. */
export function withoutLicenses(
  fields: Fields,
  modified: readonly ModifiedProperty[],
  licences: readonly string[],
): { fields: Fields; modified: ModifiedProperty[] } {
  const drop = new Set(licences);
  return {
    fields: Object.fromEntries(Object.entries(fields).filter(([k]) => !drop.has(k))),
    modified: modified.filter((m) => !drop.has(m.name)),
  };
}

/**
 * The licences a `LICENSE_LIMIT_EXCEEDED` refusal concerns: the feature licences it names, or, when
 * it names none that the write ticks, every one the write ticks. None: the refusal is about the
 * user licence (the profile's), and the user cannot be written without it.
 */
export function refusedLicenses(fields: Fields, failure: SalesforceFailure | undefined): string[] {
  if (failure?.code !== 'SalesforceLicenseLimitExceeded') return [];
  const ticked = tickedLicenses(fields);
  const named = failure.fields.filter((f) => ticked.includes(f));
  return named.length > 0 ? named : ticked;
}

/** The warning of a user written without feature licences the org has none left of. */
export function licenseNotice(licences: readonly string[], counted: boolean): ResultError {
  const names = licences.map((f) => `${featureLicenseLabel(f)} (${f})`).join(', ');
  return {
    code: 'SalesforceLicenseLimitExceeded',
    message: `No ${names} feature licence is left in the org (${counted ? 'counted before assignment' : 'Salesforce answered LICENSE_LIMIT_EXCEEDED'}): the user was provisioned without it`,
    retriable: false,
    fields: [...licences],
    recommendedAction:
      'Buy more of these feature licences (Setup → Company Information → Feature Licenses), untick them on users who no longer need them, or narrow featureLicenseRules; the user is given the licence by its next command once one is free.',
  };
}
