import { createPrivateKey, sign } from 'node:crypto';
import { ProvisionError } from '@provision/errors';

/** How the gateway authenticates. */
export type SalesforceAuth =
  /** SOAP login() with the password followed by the security token (the Entra connector's way; retired Summer '27). */
  | { readonly kind: 'password'; readonly username: string; readonly password: string; readonly securityToken?: string }
  /** OAuth 2.0 JWT bearer: an RS256 assertion signed with the key of the connected app's certificate. */
  | {
      readonly kind: 'jwt';
      readonly clientId: string;
      readonly username: string;
      /** PEM private key. */
      readonly privateKey: string;
      /** `aud` claim; defaults to the production or sandbox login host. */
      readonly audience?: string;
    }
  /** OAuth 2.0 client credentials, running as the app's configured user (needs a My Domain URL). */
  | { readonly kind: 'client-credentials'; readonly clientId: string; readonly clientSecret: string };

export interface SalesforceConnectionOptions {
  readonly auth: SalesforceAuth;
  /**
   * Where to log in: `https://login.salesforce.com` (production, the default), `https://test.salesforce.com`
   * (sandbox), a My Domain URL, or a simulator.
   */
  readonly loginUrl?: string;
  /**
   * The tenant URL (My Domain or Government Cloud instance, e.g. `https://acme.my.salesforce.com`). When
   * given without `loginUrl`, logins go there too (Entra's "Tenant URL").
   */
  readonly instanceUrl?: string;
  /** Chooses the default login host when neither URL is given. */
  readonly environment?: 'production' | 'sandbox';
  /** API version; default 62.0 (sObject Collections need ≥ 42.0, SOAP login() ≤ 64.0). */
  readonly version?: string;
  /** Records per sObject Collections call (1–200, default 200). */
  readonly batchSize?: number;
  /** Longest URL-encoded SOQL statement sent in one query (default 12,000: Salesforce allows 16,384 bytes of URI and headers together). */
  readonly maxQueryLength?: number;
}

export const PRODUCTION_LOGIN_URL = 'https://login.salesforce.com';
export const SANDBOX_LOGIN_URL = 'https://test.salesforce.com';
export const DEFAULT_API_VERSION = '62.0';

function trimUrl(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    throw new ProvisionError('PRV_CONFIG_INVALID', `Salesforce URL '${url}' is not a URL`);
  }
}

/** The login URL implied by the options. */
export function resolveLoginUrl(options: SalesforceConnectionOptions): string {
  if (options.loginUrl) return trimUrl(options.loginUrl);
  if (options.instanceUrl) return trimUrl(options.instanceUrl);
  const url = options.environment === 'sandbox' ? SANDBOX_LOGIN_URL : PRODUCTION_LOGIN_URL;
  if (options.auth.kind === 'client-credentials') {
    // Salesforce refuses the client-credentials flow on login/test hosts: "Use your My Domain URL instead".
    throw new ProvisionError(
      'PRV_CONFIG_INVALID',
      'The client-credentials flow needs the org’s My Domain URL (loginUrl or instanceUrl); login.salesforce.com and test.salesforce.com refuse it',
    );
  }
  return url;
}

/** The `aud` claim for a JWT bearer assertion. */
export function jwtAudience(options: SalesforceConnectionOptions, loginUrl: string): string {
  if (options.auth.kind === 'jwt' && options.auth.audience) return options.auth.audience;
  const host = new URL(loginUrl).hostname;
  const sandbox = options.environment === 'sandbox' || host === 'test.salesforce.com' || host.includes('.sandbox.');
  return sandbox ? SANDBOX_LOGIN_URL : PRODUCTION_LOGIN_URL;
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** Signs a JWT bearer assertion (RS256) with `iss` = consumer key, `sub` = username, `aud`, `exp`. */
export function signJwtAssertion(claims: {
  clientId: string;
  username: string;
  audience: string;
  privateKey: string;
  now?: number;
  lifetimeSeconds?: number;
}): string {
  const now = Math.floor((claims.now ?? Date.now()) / 1000);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const payload = base64url(
    JSON.stringify({
      iss: claims.clientId,
      sub: claims.username,
      aud: claims.audience,
      exp: now + (claims.lifetimeSeconds ?? 180),
    }),
  );
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), createPrivateKey(claims.privateKey));
  return `${header}.${payload}.${base64url(signature)}`;
}
