import { checkPicklistValue, PICKLIST_FIELDS } from './salesforce-picklists.ts';
import { USER_REQUIRED_ON_CREATE } from './salesforce-user.ts';
import type { Reason, SalesforceFieldValue } from './types.ts';

/** Maximum lengths of User fields (Salesforce Field Reference, reference §4.2). */
export const FIELD_MAX_LENGTHS: Readonly<Record<string, number>> = {
  Alias: 8,
  CommunityNickname: 40,
  Email: 128,
  FirstName: 40,
  LastName: 80,
  Username: 80,
  Title: 80,
  CompanyName: 80,
  Department: 80,
  Division: 80,
  EmployeeNumber: 20,
  City: 40,
  Country: 80,
  State: 80,
  PostalCode: 20,
  Street: 255,
  MobilePhone: 40,
  Phone: 40,
  Fax: 40,
  Extension: 40,
  FederationIdentifier: 512,
};

/**
 * Fields a mapping must give a user Salesforce is to create: Salesforce's own list, with ProfileName
 * (which the writer resolves to an id) standing for ProfileId.
 */
export const REQUIRED_ON_CREATE: readonly string[] = USER_REQUIRED_ON_CREATE.map((f) =>
  f === 'ProfileId' ? 'ProfileName' : f,
);

/** A value checked against what Salesforce accepts: kept (maybe respelt), or rejected with the reason. */
export type FieldCheck =
  | { readonly ok: true; readonly value: SalesforceFieldValue; readonly reasons: readonly Reason[] }
  | { readonly ok: false; readonly reason: Reason };

/**
 * Checks one field's value before Salesforce sees it: picklist values (respelt when only the case
 * or "-"/"_" differ), lengths and the Username's e-mail form. Length and form are warnings only —
 * the value is still written and Salesforce has the last word — while a value outside a picklist is
 * rejected, so that the other fields of the change still go through.
 */
export function checkField(field: string, value: SalesforceFieldValue, validatePicklists: boolean): FieldCheck {
  const reasons: Reason[] = [];
  let out = value;
  if (typeof value === 'string') {
    if (validatePicklists && PICKLIST_FIELDS.has(field)) {
      const check = checkPicklistValue(field, value);
      if (!check.valid) {
        const hint = check.suggestion ? ` (did you mean "${check.suggestion}"?)` : '';
        return {
          ok: false,
          reason: {
            code: 'invalid-picklist-value',
            severity: 'warning',
            field,
            message: `${field}: "${value}" is not a Salesforce ${field} value${hint}; Salesforce would refuse it (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST), so it is not written`,
          },
        };
      }
      if (check.canonical !== value) {
        out = check.canonical;
        reasons.push({
          code: 'picklist-value-normalized',
          severity: 'info',
          field,
          message: `${field}: "${value}" written as Salesforce spells it, "${check.canonical}"`,
        });
      }
    }
    const max = FIELD_MAX_LENGTHS[field];
    if (max !== undefined && value.length > max) {
      reasons.push({
        code: 'value-too-long',
        severity: 'warning',
        field,
        message: `${field}: ${value.length} characters, Salesforce allows ${max} (STRING_TOO_LONG)`,
      });
    }
    if (field === 'Username' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) {
      reasons.push({
        code: 'invalid-value',
        severity: 'warning',
        field,
        message: `Username: "${value}" is not in the form of an e-mail address, which Salesforce requires`,
      });
    }
  }
  return { ok: true, value: out, reasons };
}
