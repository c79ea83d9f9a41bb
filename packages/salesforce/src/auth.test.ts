import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jwtAudience, resolveLoginUrl, type SalesforceConnectionOptions, signJwtAssertion } from './auth.ts';

const password = { kind: 'password', username: 'a@b.example.com', password: 'p' } as const;

describe('resolveLoginUrl', () => {
  it('uses production by default, test.salesforce.com for sandboxes, and the tenant URL when given', () => {
    expect(resolveLoginUrl({ auth: password })).toBe('https://login.salesforce.com');
    expect(resolveLoginUrl({ auth: password, environment: 'sandbox' })).toBe('https://test.salesforce.com');
    expect(resolveLoginUrl({ auth: password, instanceUrl: 'https://acme.my.salesforce.com/' })).toBe(
      'https://acme.my.salesforce.com',
    );
    expect(resolveLoginUrl({ auth: password, instanceUrl: 'https://acme.my.salesforce-gov.com' })).toBe(
      'https://acme.my.salesforce-gov.com',
    );
    expect(resolveLoginUrl({ auth: password, loginUrl: 'http://127.0.0.1:1234/x', instanceUrl: 'https://y' })).toBe(
      'http://127.0.0.1:1234',
    );
  });

  it('rejects a malformed URL and client credentials without a My Domain URL', () => {
    expect(() => resolveLoginUrl({ auth: password, loginUrl: 'not a url' })).toThrow(/not a URL/);
    expect(() => resolveLoginUrl({ auth: { kind: 'client-credentials', clientId: 'x', clientSecret: 'y' } })).toThrow(
      /My Domain/,
    );
  });
});

describe('JWT bearer assertion', () => {
  it('picks the audience from the environment or login host unless given', () => {
    const jwt = (extra: Partial<SalesforceConnectionOptions> = {}, audience?: string): SalesforceConnectionOptions => ({
      auth: { kind: 'jwt', clientId: 'c', username: 'u', privateKey: 'k', ...(audience ? { audience } : {}) },
      ...extra,
    });
    expect(jwtAudience(jwt(), 'https://login.salesforce.com')).toBe('https://login.salesforce.com');
    expect(jwtAudience(jwt(), 'https://test.salesforce.com')).toBe('https://test.salesforce.com');
    expect(jwtAudience(jwt(), 'https://acme--uat.sandbox.my.salesforce.com')).toBe('https://test.salesforce.com');
    expect(jwtAudience(jwt({ environment: 'sandbox' }), 'https://acme.my.salesforce.com')).toBe(
      'https://test.salesforce.com',
    );
    expect(jwtAudience(jwt({}, 'https://community.example.com'), 'https://login.salesforce.com')).toBe(
      'https://community.example.com',
    );
  });

  it('signs iss, sub, aud and exp with RS256', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = signJwtAssertion({
      clientId: 'consumer-key',
      username: 'integration@acme.example.com',
      audience: 'https://login.salesforce.com',
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      now: 1_700_000_000_000,
    });
    const [header, payload, signature] = token.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toEqual({
      iss: 'consumer-key',
      sub: 'integration@acme.example.com',
      aud: 'https://login.salesforce.com',
      exp: 1_700_000_180,
    });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(
      verify(
        'RSA-SHA256',
        Buffer.from(`${header}.${payload}`),
        createPublicKey(pem),
        Buffer.from(signature!, 'base64url'),
      ),
    ).toBe(true);
  });
});
