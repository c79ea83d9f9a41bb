import { developerNameKind, type NamedSet, type RowKind } from './assignment-rows.ts';
import { salesforceError } from './classify.ts';
import type { SalesforceError } from './types.ts';

/** How many of a licence are left, from the catalogue's TotalLicenses and UsedLicenses. */
function remaining(licence: NamedSet): number {
  const total = Number(licence.fields?.['TotalLicenses'] ?? 0);
  const used = Number(licence.fields?.['UsedLicenses'] ?? 0);
  return Math.max(0, total - used);
}

/**
 * Permission set licences (PermissionSetLicenseAssign rows) by DeveloperName, case-insensitively.
 * Licences are counted before any insert: the catalogue is read fresh for every change (one query)
 * and a licence none of which is left fails the users past the count as
 * `SalesforceLicenseLimitExceeded`, naming the licence and its count, without a call Salesforce
 * would refuse (LICENSE_LIMIT_EXCEEDED).
 */
export function permissionSetLicenseKind(names: Pick<RowKind<string>, 'catalogue' | 'forget'>): RowKind<string> {
  return {
    ...developerNameKind({
      // Read fresh for every change: the counts must be today's.
      names: { catalogue: () => names.catalogue(true), forget: names.forget },
      object: 'PermissionSetLicenseAssign',
      targetField: 'PermissionSetLicenseId',
      relationship: 'PermissionSetLicense',
      target: 'PermissionSetLicense',
      label: 'permission set licence',
      unknownCode: 'SalesforceUnknownPermissionSetLicense',
      field: 'PermissionSetLicenses',
    }),
    refuse: (inserts) => {
      const taken = new Map<NamedSet, number>();
      return inserts.map(({ target }): SalesforceError | undefined => {
        const n = taken.get(target) ?? 0;
        if (n < remaining(target)) {
          taken.set(target, n + 1);
          return undefined;
        }
        const total = Number(target.fields?.['TotalLicenses'] ?? 0);
        return exhausted(target, `all ${total} are used${n > 0 ? ` or given to other users of this change` : ''}`);
      });
    },
    // Another writer took the last one between the count and the insert.
    explain: (error, target) =>
      error.code === 'SalesforceLicenseLimitExceeded'
        ? exhausted(target, `Salesforce refused it (${error.message})`, error.salesforceCode)
        : error,
  };
}

function exhausted(licence: NamedSet, why: string, salesforceCode = 'LICENSE_LIMIT_EXCEEDED'): SalesforceError {
  const label = String(licence.fields?.['MasterLabel'] ?? licence.name);
  return {
    ...salesforceError(
      'SalesforceLicenseLimitExceeded',
      `No permission set licence '${licence.name}' (${label}) is left: ${why}`,
      ['PermissionSetLicenses'],
    ),
    salesforceCode,
  };
}
