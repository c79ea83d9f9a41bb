import { describe, expect, it } from 'vitest';
import { classifyLoginError, classifySalesforceError } from './classify.ts';

describe('classifySalesforceError', () => {
  it('maps the Entra-documented causes to the Entra codes', () => {
    expect(
      classifySalesforceError({
        statusCode: 'DUPLICATE_USERNAME',
        message: 'Duplicate Username.',
        fields: ['Username'],
      }),
    ).toEqual({
      code: 'SalesforceDuplicateUserName',
      retriable: false,
      message: 'Duplicate Username.',
      fields: ['Username'],
      salesforceCode: 'DUPLICATE_USERNAME',
    });
    expect(classifySalesforceError({ statusCode: 'LICENSE_LIMIT_EXCEEDED', message: 'x', fields: [] }).code).toBe(
      'SalesforceLicenseLimitExceeded',
    );
    expect(
      classifySalesforceError({ statusCode: 'REQUIRED_FIELD_MISSING', message: 'x', fields: ['Alias'] }),
    ).toMatchObject({
      code: 'SalesforceRequiredFieldMissing',
      fields: ['Alias'],
    });
  });

  it('gives each other cause its own code and retriable flag', () => {
    const cases: [unknown, string, boolean][] = [
      [
        { statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', message: 'x' },
        'SalesforceInvalidPicklistValue',
        false,
      ],
      [{ statusCode: 'STRING_TOO_LONG', message: 'x' }, 'SalesforceValueTooLong', false],
      [
        { errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' },
        'SalesforceRequestLimitExceeded',
        true,
      ],
      [
        {
          errorCode: 'REQUEST_LIMIT_EXCEEDED',
          message: 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.',
        },
        'SalesforceConcurrentLimitExceeded',
        true,
      ],
      [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }, 'SalesforceSessionExpired', true],
      [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'x' }, 'SalesforceRolledBack', true],
      [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'x' }, 'SalesforceRecordLocked', true],
      [{ errorCode: 'SERVER_UNAVAILABLE', message: 'x' }, 'SalesforceServiceUnavailable', true],
      [{ errorCode: 'ERROR_HTTP_502', message: '<html>' }, 'SalesforceServiceUnavailable', true],
      [{ errorCode: 'ERROR_HTTP_429', message: '' }, 'SalesforceRequestLimitExceeded', true],
      [{ errorCode: 'MALFORMED_QUERY', message: 'x' }, 'SalesforceMalformedRequest', false],
      [{ statusCode: 'SOMETHING_NEW', message: 'x' }, 'SalesforceUnknown', false],
    ];
    for (const [input, code, retriable] of cases) {
      expect(classifySalesforceError(input)).toMatchObject({ code, retriable });
    }
  });

  it('tells a refused deactivation (FIELD_INTEGRITY_EXCEPTION on IsActive) from any other integrity failure', () => {
    const lead =
      'This user is the default lead owner. Change the default lead owner in Lead Settings before deactivating this user.';
    expect(
      classifySalesforceError({ statusCode: 'FIELD_INTEGRITY_EXCEPTION', message: lead, fields: ['IsActive'] }),
    ).toMatchObject({
      code: 'SalesforceDeactivationBlocked',
      retriable: false,
      salesforceCode: 'FIELD_INTEGRITY_EXCEPTION',
    });
    expect(
      classifySalesforceError({
        statusCode: 'FIELD_INTEGRITY_EXCEPTION',
        message: 'You cannot deactivate a user who is the Default Workflow User',
        fields: [],
      }).code,
    ).toBe('SalesforceDeactivationBlocked');
    expect(
      classifySalesforceError({
        statusCode: 'FIELD_INTEGRITY_EXCEPTION',
        message: 'IsPasswordLocked can only be set to false',
        fields: ['IsPasswordLocked'],
      }).code,
    ).toBe('SalesforceInvalidValue');
  });

  it('tells a refused licence change (FIELD_INTEGRITY_EXCEPTION on ProfileId) from a bad profile value', () => {
    expect(
      classifySalesforceError({
        statusCode: 'FIELD_INTEGRITY_EXCEPTION',
        message: 'Cannot change the license of a Salesforce user to Chatter Free: ProfileId',
        fields: ['ProfileId'],
      }),
    ).toMatchObject({ code: 'SalesforceLicenseChangeRefused', retriable: false });
    expect(
      classifySalesforceError({
        statusCode: 'FIELD_INTEGRITY_EXCEPTION',
        message: 'field integrity exception: ProfileId',
        fields: ['ProfileId'],
      }).code,
    ).toBe('SalesforceInvalidValue');
  });

  it('reads jsforce errors: HttpApiError data, OAuth error names, SOAP faultstrings, network failures', () => {
    const httpApiError = Object.assign(new Error('bad value'), {
      name: 'STRING_TOO_LONG',
      errorCode: 'STRING_TOO_LONG',
      data: { message: 'bad value', errorCode: 'STRING_TOO_LONG', fields: ['Alias'] },
    });
    expect(classifySalesforceError(httpApiError)).toMatchObject({ code: 'SalesforceValueTooLong', fields: ['Alias'] });
    const oauth = Object.assign(new Error('invalid assertion'), { name: 'invalid_grant' });
    expect(classifySalesforceError(oauth)).toMatchObject({ code: 'SalesforceAuthenticationFailed', retriable: false });
    expect(
      classifySalesforceError(
        new Error('INVALID_LOGIN: Invalid username, password, security token; or user locked out.'),
      ),
    ).toMatchObject({ code: 'SalesforceAuthenticationFailed', salesforceCode: 'INVALID_LOGIN' });
    expect(classifySalesforceError(new Error('API_CURRENTLY_DISABLED: API is disabled for this User'))).toMatchObject({
      code: 'SalesforceApiDisabled',
    });
    const network = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    expect(classifySalesforceError(network)).toMatchObject({
      code: 'SalesforceNetworkError',
      retriable: true,
      salesforceCode: 'ECONNREFUSED',
    });
    expect(classifySalesforceError('weird')).toMatchObject({ code: 'SalesforceUnknown', message: 'weird' });
  });

  it('takes the first error of an error array and of MULTIPLE_API_ERRORS', () => {
    expect(classifySalesforceError([{ errorCode: 'INVALID_FIELD', message: 'No such column' }]).code).toBe(
      'SalesforceInvalidField',
    );
    expect(
      classifySalesforceError({
        errorCode: 'MULTIPLE_API_ERRORS',
        message: 'x',
        data: [{ errorCode: 'NOT_FOUND', message: 'y' }],
      }).code,
    ).toBe('SalesforceRecordNotFound');
  });
});

describe('a failed login or session refresh whose answer is no SOAP fault', () => {
  it('reads the REST error body jsforce puts in the message', () => {
    const body = JSON.stringify([{ message: 'Server temporarily unavailable.', errorCode: 'SERVER_UNAVAILABLE' }]);
    expect(classifySalesforceError(new Error(body))).toMatchObject({
      code: 'SalesforceServiceUnavailable',
      retriable: true,
      message: 'Server temporarily unavailable.',
    });
  });

  it('treats a page (a proxy’s 503) as the server’s trouble', () => {
    expect(
      classifySalesforceError(new Error('<html><body><h1>503 Service Unavailable</h1></body></html>')),
    ).toMatchObject({
      code: 'SalesforceServiceUnavailable',
      retriable: true,
    });
  });

  it('classifies a failed session refresh as the login it is', () => {
    const body = JSON.stringify([{ message: 'An unexpected error occurred.', errorCode: 'UNKNOWN_EXCEPTION' }]);
    expect(classifySalesforceError(new Error(`Unable to refresh session due to: ${body}`))).toMatchObject({
      code: 'SalesforceServiceUnavailable',
      retriable: true,
    });
    expect(
      classifySalesforceError(new Error('Unable to refresh session due to: INVALID_LOGIN: Invalid username, password')),
    ).toMatchObject({ code: 'SalesforceAuthenticationFailed', retriable: false });
  });

  it('classifies what a login cannot explain as transient, and a real refusal as the credentials’', () => {
    expect(classifyLoginError(new Error('socket hang up?'))).toMatchObject({
      code: 'SalesforceServiceUnavailable',
      retriable: true,
    });
    expect(
      classifyLoginError(new Error('INVALID_LOGIN: Invalid username, password, security token; or user locked out.')),
    ).toMatchObject({
      code: 'SalesforceAuthenticationFailed',
      retriable: false,
    });
  });
});
