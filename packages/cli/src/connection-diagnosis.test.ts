import type { ConnectionReport, SalesforceError } from '@provision/salesforce';
import { describe, expect, it } from 'vitest';
import { type AttemptContext, diagnoseConnection, renderDiagnosis } from './connection-diagnosis.ts';

const error = (code: SalesforceError['code'], salesforceCode: string, message: string): SalesforceError => ({
  code,
  retriable: false,
  message,
  fields: [],
  salesforceCode,
});

const refused = (e: SalesforceError): ConnectionReport => ({
  ok: false,
  reachable: true,
  credentialsValid: false,
  apiEnabled: false,
  manageUsers: false,
  manageUsersOnProfile: false,
  missing: [e.message],
  notes: [],
  error: e,
});

const context = (mode: AttemptContext['mode'], extra: Partial<AttemptContext> = {}): AttemptContext => ({
  mode,
  loginUrl: 'https://acme.my.salesforce.com',
  tokenGiven: false,
  ...extra,
});

const credentialsCheck = (report: ConnectionReport, ctx: AttemptContext) => diagnoseConnection(report, ctx).checks[1];

describe('diagnoseConnection', () => {
  it('says an expired password must be changed, and that the token changes with it', () => {
    const check = credentialsCheck(
      refused(error('SalesforceAuthenticationFailed', 'INVALID_OPERATION_WITH_EXPIRED_PASSWORD', 'expired')),
      context('password'),
    );
    expect(check).toMatchObject({ state: 'failed', problem: 'The password of the integration user has expired.' });
    expect(check?.fix).toContain('resets the security token');
  });

  it('says a trusted network needs no token when the password alone logs in', () => {
    const probe: ConnectionReport = { ...refused(error('SalesforceUnknown', 'x', 'x')), credentialsValid: true };
    const check = credentialsCheck(
      refused(error('SalesforceAuthenticationFailed', 'INVALID_LOGIN', 'Invalid username, password, security token')),
      context('password', { tokenGiven: true, probe }),
    );
    expect(check?.problem).toContain('This network is trusted');
    expect(check?.fix).toContain('Remove --security-token');
  });

  it.each([
    ['audience is invalid', 'https://test.salesforce.com'],
    ["user hasn't approved this consumer", 'Admin approved users are pre-authorized'],
    ['expired authorization code', 'Synchronise the clock'],
    ['invalid assertion', 'Use the private key of the certificate'],
  ])('explains the JWT refusal "%s"', (message, advice) => {
    const check = credentialsCheck(
      refused(error('SalesforceAuthenticationFailed', 'invalid_grant', message)),
      context('jwt'),
    );
    expect(check?.fix).toContain(advice);
  });

  it('says to choose a Run As user when client credentials have none', () => {
    const check = credentialsCheck(
      refused(error('SalesforceAuthenticationFailed', 'invalid_grant', 'no client credentials user enabled')),
      context('client_credentials'),
    );
    expect(check?.fix).toContain('Run As');
  });

  it('names an unknown consumer key', () => {
    const check = credentialsCheck(
      refused(error('SalesforceAuthenticationFailed', 'invalid_client_id', 'client identifier invalid')),
      context('jwt'),
    );
    expect(check?.problem).toBe('Salesforce knows no connected app with this consumer key.');
  });

  it('says a host that does not resolve is probably misspelt', () => {
    const report: ConnectionReport = {
      ...refused(error('SalesforceNetworkError', 'ENOTFOUND', 'getaddrinfo ENOTFOUND acme.my.salesforce.con')),
      reachable: false,
    };
    const diagnosis = diagnoseConnection(report, context('password'));
    expect(diagnosis.checks.map((c) => c.state)).toEqual(['failed', 'unchecked', 'unchecked', 'unchecked']);
    expect(diagnosis.checks[0]?.problem).toContain('does not resolve');
  });

  it('says a login URL that answers but is not Salesforce is the wrong URL', () => {
    const report: ConnectionReport = {
      ...refused(error('SalesforceRecordNotFound', 'NOT_FOUND', 'The requested resource does not exist')),
      credentialsValid: true,
      apiEnabled: true,
    };
    const diagnosis = diagnoseConnection(report, context('password'));
    expect(diagnosis.checks[0]).toMatchObject({ state: 'failed' });
    expect(diagnosis.checks[0]?.problem).toContain("not as Salesforce's login service");
  });

  it('renders a checklist that ends with the verdict', () => {
    const report = refused(error('SalesforceAuthenticationFailed', 'INVALID_LOGIN', 'Invalid'));
    const text = renderDiagnosis(diagnoseConnection(report, context('password')), report, context('password'));
    expect(text.split('\n')[0]).toBe('Salesforce connection test — https://acme.my.salesforce.com (password)');
    expect(text).toContain('  ✓ Salesforce reachable\n  ✗ Credentials valid\n      problem:');
    expect(text.trimEnd().endsWith('Not ready: 1 problem.')).toBe(true);
  });
});
