import { developerNameKind, type NamedSet, type RowKind } from './assignment-rows.ts';
import { salesforceError } from './classify.ts';
import type { SalesforceError } from './types.ts';

/**
 * Licences this process assigned since the catalogue was read, by catalogue record: a fresh read
 * makes new records, so its counts start again from Salesforce's.
 */
const takenSinceRead = new WeakMap<NamedSet, number>();

/** How many of a licence are left, from the catalogue's TotalLicenses and UsedLicenses, less those taken since. */
function remaining(licence: NamedSet): number {
  const total = Number(licence.fields?.['TotalLicenses'] ?? 0);
  const used = Number(licence.fields?.['UsedLicenses'] ?? 0);
  return Math.max(0, total - used - (takenSinceRead.get(licence) ?? 0));
}

/**
 * Permission set licences (PermissionSetLicenseAssign rows) by DeveloperName, case-insensitively.
 * Licences are counted before any insert: a licence none of which is left fails the users past the
 * count as `SalesforceLicenseLimitExceeded`, naming the licence and its count, without a call
 * Salesforce would refuse (LICENSE_LIMIT_EXCEEDED). The counts come from the cached catalogue,
 * counted down by what this process assigns since, and only ever let an insert through: before
 * anything is refused the catalogue is read afresh (`recountFresh`), so a licence freed meanwhile
 * is given. A sync no longer reads the catalogue for every change. Counting too many (another
 * replica took some) ends as before: Salesforce refuses the insert, said in the licence's terms,
 * and the catalogue is read again next time.
 */
export function permissionSetLicenseKind(names: Pick<RowKind<string>, 'catalogue' | 'forget'>): RowKind<string> {
  return {
    ...developerNameKind({
      names,
      object: 'PermissionSetLicenseAssign',
      targetField: 'PermissionSetLicenseId',
      relationship: 'PermissionSetLicense',
      target: 'PermissionSetLicense',
      label: 'permission set licence',
      unknownCode: 'SalesforceUnknownPermissionSetLicense',
      field: 'PermissionSetLicenses',
    }),
    recountFresh: true,
    took: (target) => takenSinceRead.set(target, (takenSinceRead.get(target) ?? 0) + 1),
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
    explain: (error, target) => {
      if (error.code !== 'SalesforceLicenseLimitExceeded') return error;
      names.forget();
      return exhausted(target, `Salesforce refused it (${error.message})`, error.salesforceCode);
    },
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
