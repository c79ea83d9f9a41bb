// What Salesforce's User object accepts, in one place for everything that must agree on it: the
// mapping (which checks values before Salesforce sees them), the Salesforce simulator (which
// refuses what Salesforce refuses) and the in-memory gateway. No imports beyond the tables, so
// adapters take it as `@provision/mapping/salesforce-user` without the mapping engine.

export {
  checkPicklistValue,
  EMAIL_ENCODING_KEYS,
  LANGUAGE_LOCALE_KEYS,
  LOCALE_SID_KEYS,
  PICKLIST_FIELDS,
  type PicklistCheck,
  TIME_ZONE_SID_KEYS,
} from './salesforce-picklists.ts';

/**
 * The User fields Salesforce requires on create, in the order its REQUIRED_FIELD_MISSING error
 * lists them (reference §4.1).
 */
export const USER_REQUIRED_ON_CREATE = [
  'Username',
  'LastName',
  'Email',
  'Alias',
  'TimeZoneSidKey',
  'LocaleSidKey',
  'EmailEncodingKey',
  'ProfileId',
  'LanguageLocaleKey',
] as const;
