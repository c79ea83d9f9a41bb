import { SALESFORCE_ERROR_CODES, type SalesforceErrorCode } from './error-codes.ts';
import type { SalesforceError } from './types.ts';

const BY_SALESFORCE_CODE: Record<string, SalesforceErrorCode> = {
  DUPLICATE_USERNAME: 'SalesforceDuplicateUserName',
  LICENSE_LIMIT_EXCEEDED: 'SalesforceLicenseLimitExceeded',
  REQUIRED_FIELD_MISSING: 'SalesforceRequiredFieldMissing',
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: 'SalesforceInvalidPicklistValue',
  STRING_TOO_LONG: 'SalesforceValueTooLong',
  INVALID_EMAIL_ADDRESS: 'SalesforceInvalidEmail',
  FIELD_INTEGRITY_EXCEPTION: 'SalesforceInvalidValue',
  MALFORMED_ID: 'SalesforceInvalidValue',
  INVALID_CROSS_REFERENCE_KEY: 'SalesforceInvalidValue',
  INVALID_ID_FIELD: 'SalesforceInvalidValue',
  INVALID_TYPE_ON_FIELD_IN_RECORD: 'SalesforceInvalidValue',
  MISSING_ARGUMENT: 'SalesforceInvalidValue',
  FIELD_CUSTOM_VALIDATION_EXCEPTION: 'SalesforceEntityCannotBeSaved',
  CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY: 'SalesforceEntityCannotBeSaved',
  DUPLICATE_COMM_NICKNAME: 'SalesforceDuplicateValue',
  DUPLICATE_VALUE: 'SalesforceDuplicateValue',
  INVALID_FIELD: 'SalesforceInvalidField',
  INVALID_FIELD_FOR_INSERT_UPDATE: 'SalesforceInvalidField',
  NOT_FOUND: 'SalesforceRecordNotFound',
  ENTITY_IS_DELETED: 'SalesforceRecordNotFound',
  INSUFFICIENT_ACCESS: 'SalesforceInsufficientAccess',
  INSUFFICIENT_ACCESS_OR_READONLY: 'SalesforceInsufficientAccess',
  INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY: 'SalesforceInsufficientAccess',
  INVALID_LOGIN: 'SalesforceAuthenticationFailed',
  LOGIN_MUST_USE_SECURITY_TOKEN: 'SalesforceAuthenticationFailed',
  INVALID_OPERATION_WITH_EXPIRED_PASSWORD: 'SalesforceAuthenticationFailed',
  invalid_grant: 'SalesforceAuthenticationFailed',
  invalid_client: 'SalesforceAuthenticationFailed',
  invalid_client_id: 'SalesforceAuthenticationFailed',
  unsupported_grant_type: 'SalesforceAuthenticationFailed',
  API_DISABLED_FOR_ORG: 'SalesforceApiDisabled',
  API_CURRENTLY_DISABLED: 'SalesforceApiDisabled',
  MALFORMED_QUERY: 'SalesforceMalformedRequest',
  INVALID_QUERY_FILTER_OPERATOR: 'SalesforceMalformedRequest',
  INVALID_QUERY_LOCATOR: 'SalesforceMalformedRequest',
  INVALID_TYPE: 'SalesforceMalformedRequest',
  INVALID_TYPE_FOR_OPERATION: 'SalesforceMalformedRequest',
  JSON_PARSER_ERROR: 'SalesforceMalformedRequest',
  EXCEEDED_ID_LIMIT: 'SalesforceMalformedRequest',
  METHOD_NOT_ALLOWED: 'SalesforceMalformedRequest',
  UNSUPPORTED_API_VERSION: 'SalesforceMalformedRequest',
  ALL_OR_NONE_OPERATION_ROLLED_BACK: 'SalesforceRolledBack',
  UNABLE_TO_LOCK_ROW: 'SalesforceRecordLocked',
  REQUEST_LIMIT_EXCEEDED: 'SalesforceRequestLimitExceeded',
  INVALID_SESSION_ID: 'SalesforceSessionExpired',
  SERVER_UNAVAILABLE: 'SalesforceServiceUnavailable',
  UNKNOWN_EXCEPTION: 'SalesforceServiceUnavailable',
};

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

type Loose = Record<string, unknown>;

function asObject(value: unknown): Loose | undefined {
  return typeof value === 'object' && value !== null ? (value as Loose) : undefined;
}

function fieldsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((f): f is string => typeof f === 'string') : [];
}

function make(code: SalesforceErrorCode, message: string, fields: readonly string[], salesforceCode?: string) {
  const error: SalesforceError = {
    code,
    retriable: SALESFORCE_ERROR_CODES[code].retriable,
    message,
    fields: [...fields],
    ...(salesforceCode ? { salesforceCode } : {}),
  };
  return error;
}

function fromSalesforceCode(sfCode: string, message: string, fields: readonly string[]): SalesforceError {
  const http = /^ERROR_HTTP_(\d{3})$/.exec(sfCode);
  if (http) {
    const status = Number(http[1]);
    if (status === 429) return make('SalesforceRequestLimitExceeded', message, fields, sfCode);
    if (status === 401) return make('SalesforceSessionExpired', message, fields, sfCode);
    if (status >= 500 || status === 420) return make('SalesforceServiceUnavailable', message, fields, sfCode);
  }
  // One code for two limits: the daily allocation ("TotalRequests Limit exceeded.") and the
  // concurrent long-running requests ("ConcurrentRequests (Concurrent API Requests) Limit
  // exceeded."). The second passes as soon as fewer requests run at once.
  if (sfCode === 'REQUEST_LIMIT_EXCEEDED' && /^Concurrent/i.test(message)) {
    return make('SalesforceConcurrentLimitExceeded', message, fields, sfCode);
  }
  // Deactivating a user an org setting still names (default lead or case owner, default workflow
  // user, a hierarchy field on another user): refused on IsActive until an admin changes the setting.
  if (sfCode === 'FIELD_INTEGRITY_EXCEPTION' && (fields.includes('IsActive') || /deactivat/i.test(message))) {
    return make('SalesforceDeactivationBlocked', message, fields, sfCode);
  }
  // A profile whose user licence the user cannot move to (Salesforce → Chatter Free, among others):
  // no value of ProfileId passes until the user holds a compatible licence.
  if (sfCode === 'FIELD_INTEGRITY_EXCEPTION' && fields.includes('ProfileId') && /licen[sc]e/i.test(message)) {
    return make('SalesforceLicenseChangeRefused', message, fields, sfCode);
  }
  // Assigning a permission set group still being recalculated, or a set that needs a permission
  // set licence the user lacks (Salesforce Help: "Assign Permission Set Groups to Users").
  if (sfCode === 'FIELD_INTEGRITY_EXCEPTION' && /requires a license|permission set license/i.test(message)) {
    return make('SalesforcePermissionSetLicenseRequired', message, fields, sfCode);
  }
  if (sfCode === 'FIELD_INTEGRITY_EXCEPTION' && fields.includes('PermissionSetGroupId') && /updated/i.test(message)) {
    return make('SalesforcePermissionSetGroupNotUpdated', message, fields, sfCode);
  }
  return make(BY_SALESFORCE_CODE[sfCode] ?? 'SalesforceUnknown', message, fields, sfCode);
}

function networkCode(error: Loose): string | undefined {
  for (let e: Loose | undefined = error, depth = 0; e && depth < 4; e = asObject(e['cause']), depth++) {
    const code = e['code'];
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  }
  if (error['name'] === 'TypeError' && error['message'] === 'fetch failed') return 'fetch failed';
  if (error['name'] === 'AbortError' || error['message'] === 'Request Timeout') return 'timeout';
  return undefined;
}

/**
 * Classifies anything Salesforce or jsforce produced: a SaveResult error (`statusCode`), a REST
 * error (`errorCode`), a jsforce HttpApiError, an OAuth error (`invalid_grant`), a SOAP login fault
 * (`INVALID_LOGIN: …`), or a network failure. Pure: it never looks anything up.
 */
export function classifySalesforceError(error: unknown): SalesforceError {
  if (Array.isArray(error) && error.length > 0) return classifySalesforceError(error[0]);
  const e = asObject(error);
  if (!e) return make('SalesforceUnknown', String(error), []);
  // Already classified (a SalesforceGatewayError): kept as it is.
  const classified = asObject(e['salesforce']);
  if (classified && typeof classified['code'] === 'string' && typeof classified['retriable'] === 'boolean')
    return classified as unknown as SalesforceError;
  const message = typeof e['message'] === 'string' ? e['message'] : String(error);
  if (typeof e['statusCode'] === 'string') return fromSalesforceCode(e['statusCode'], message, fieldsOf(e['fields']));
  const data = asObject(e['data']);
  if (typeof e['errorCode'] === 'string') {
    if (e['errorCode'] === 'MULTIPLE_API_ERRORS' && Array.isArray(e['data']))
      return classifySalesforceError(e['data'][0]);
    return fromSalesforceCode(e['errorCode'], message, fieldsOf(e['fields'] ?? data?.['fields']));
  }
  const network = networkCode(e);
  if (network) return make('SalesforceNetworkError', message, [], network);
  const name = typeof e['name'] === 'string' ? e['name'] : '';
  if (BY_SALESFORCE_CODE[name]) return fromSalesforceCode(name, message, []);
  // jsforce wraps a failed re-login after an expired session: it is a login failure.
  const refresh = /^Unable to refresh session due to: ([\s\S]*)$/.exec(message);
  if (refresh) return classifyLoginError(new Error(refresh[1]));
  // SOAP faults arrive as `CODE: message` (jsforce throws the faultstring).
  const fault = /^([A-Z][A-Z_]+): /.exec(message);
  if (fault) return fromSalesforceCode(fault[1]!, message, []);
  if (/password has expired/i.test(message))
    return make('SalesforceAuthenticationFailed', message, [], 'PASSWORD_EXPIRED');
  // A login (or a session refresh) answered with an HTTP error and no SOAP fault: jsforce throws
  // the response body as the message. A REST error body names its code; a page (a proxy's 503)
  // names none, and is the server's trouble, not the request's.
  const body = errorBody(message);
  if (body) return body;
  if (/^\s*</.test(message)) return make('SalesforceServiceUnavailable', excerpt(message), [], 'NO_SOAP_FAULT');
  return make('SalesforceUnknown', message, []);
}

function errorBody(message: string): SalesforceError | undefined {
  if (!/^\s*[[{]/.test(message)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  const first = asObject(Array.isArray(parsed) ? parsed[0] : parsed);
  if (typeof first?.['errorCode'] === 'string') {
    const text = typeof first['message'] === 'string' ? first['message'] : message;
    return fromSalesforceCode(first['errorCode'], text, fieldsOf(first['fields']));
  }
  return undefined;
}

function excerpt(text: string): string {
  const plain = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return `Salesforce answered with a page instead of an API response: ${plain.slice(0, 200) || '(empty)'}`;
}

/**
 * Classifies a failed login (SOAP `login()`, or an OAuth token request). Salesforce refuses
 * credentials with a SOAP fault or an OAuth error code; anything it could not classify otherwise
 * (an HTTP error with an unexpected body) says the login endpoint was unwell, not that the
 * credentials are wrong: retriable, never a reason to fail the users waiting on it.
 */
export function classifyLoginError(error: unknown): SalesforceError {
  const classified = classifySalesforceError(error);
  if (classified.code !== 'SalesforceUnknown') return classified;
  return make(
    'SalesforceServiceUnavailable',
    `The Salesforce login failed without saying why: ${classified.message}`,
    [],
    'LOGIN_FAILED',
  );
}

/** Builds a classified error with a code of our own (e.g. an unknown ProfileName found before any call). */
export function salesforceError(
  code: SalesforceErrorCode,
  message: string,
  fields: readonly string[] = [],
): SalesforceError {
  return make(code, message, fields);
}
