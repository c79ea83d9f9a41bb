import { randomUUID, timingSafeEqual } from 'node:crypto';
import { graphErrors } from './graph-error.ts';
import type { AadError, IdentityProvider } from './identity.ts';
import type { TokenSigner } from './signing.ts';

/** The application (client) that calls Graph, as registered in the tenant. */
export interface ClientRegistration {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly displayName: string;
}

export interface AccessTokenClaims {
  aud: string;
  iss: string;
  tid: string;
  appid: string;
  roles: string[];
  /** Revocation generation (simulator-specific claim). */
  gen: number;
  iat: number;
  nbf: number;
  exp: number;
}

/** An AADSTS error as the token endpoint answers it. */
export interface TokenError {
  status: number;
  body: {
    error: string;
    error_description: string;
    error_codes: number[];
    timestamp: string;
    trace_id: string;
    correlation_id: string;
  };
}

const GRAPH_RESOURCE = 'https://graph.microsoft.com';

/**
 * The token endpoint: Graph tokens for Provision's Graph client, and (through the identity
 * provider) tokens for the Provision API. Every token is RS256, signed with the tenant key.
 */
export class TokenService {
  readonly #signer: TokenSigner;
  readonly identity: IdentityProvider;
  readonly tenantId: string;
  readonly client: ClientRegistration;
  lifetimeSeconds: number;
  /** Bumped by an admin "revoke all": tokens carrying an older generation are refused. */
  generation = 1;
  readonly #now: () => number;

  constructor(options: {
    signer: TokenSigner;
    identity: IdentityProvider;
    tenantId: string;
    client: ClientRegistration;
    lifetimeSeconds: number;
    now?: () => number;
  }) {
    this.#signer = options.signer;
    this.identity = options.identity;
    this.tenantId = options.tenantId;
    this.client = options.client;
    this.lifetimeSeconds = options.lifetimeSeconds;
    this.#now = options.now ?? Date.now;
  }

  /** The client-credentials grant; returns the token response or the documented AADSTS error. */
  grant(tenant: string, form: URLSearchParams): { status: 200; body: Record<string, unknown> } | TokenError {
    if (tenant.toLowerCase() !== this.tenantId) {
      return this.#error(
        400,
        'invalid_request',
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
    }
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code' || grantType === 'refresh_token') {
      return this.#answer(this.identity.redeem(form));
    }
    if (grantType === 'client_credentials' && this.identity.isProvisionScope(form.get('scope') ?? '')) {
      return this.#answer(this.identity.clientCredentials(form, this.client));
    }
    if (grantType !== 'client_credentials') {
      return this.#error(
        400,
        'unsupported_grant_type',
        70003,
        `The app requested an unsupported grant type '${grantType ?? ''}'.`,
      );
    }
    const clientId = form.get('client_id') ?? '';
    if (clientId !== this.client.clientId) {
      return this.#error(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${this.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    }
    const secret = Buffer.from(form.get('client_secret') ?? '');
    const expected = Buffer.from(this.client.clientSecret);
    if (secret.length === 0) {
      return this.#error(
        401,
        'invalid_client',
        7000216,
        "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
      );
    }
    if (secret.length !== expected.length || !timingSafeEqual(secret, expected)) {
      return this.#error(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${this.client.clientId}'.`,
      );
    }
    const scope = form.get('scope') ?? '';
    if (!scope.split(' ').some((s) => s === `${GRAPH_RESOURCE}/.default`)) {
      return this.#error(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    const now = Math.floor(this.#now() / 1000);
    const claims: AccessTokenClaims = {
      aud: GRAPH_RESOURCE,
      iss: `https://sts.windows.net/${this.tenantId}/`,
      tid: this.tenantId,
      appid: this.client.clientId,
      roles: [
        'User.ReadWrite.All',
        'Group.ReadWrite.All',
        'Application.ReadWrite.All',
        'AppRoleAssignment.ReadWrite.All',
      ],
      gen: this.generation,
      iat: now,
      nbf: now,
      exp: now + this.lifetimeSeconds,
    };
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        expires_in: this.lifetimeSeconds,
        ext_expires_in: this.lifetimeSeconds,
        access_token: this.#jwt(claims),
      },
    };
  }

  /** The tenant's JWKS (public signing keys). */
  keys(): ReturnType<TokenSigner['jwks']> {
    return this.#signer.jwks();
  }

  #answer(result: { status: 200; body: Record<string, unknown> } | AadError) {
    return 'body' in result ? result : this.error(result);
  }

  /** Checks a bearer token; throws Graph's 401 envelope error when it is missing, forged or expired. */
  verify(authorization: string | undefined): AccessTokenClaims {
    if (!authorization) throw graphErrors.unauthenticated('Access token is empty.');
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1]) throw graphErrors.unauthenticated('Access token is empty.');
    const parts = match[1].split('.');
    if (parts.length !== 3)
      throw graphErrors.unauthenticated('IDX14100: JWT is not well formed, there are no dots (.).');
    const opened = this.#signer.open(match[1]);
    if ('problem' in opened) {
      throw graphErrors.unauthenticated(
        opened.problem === 'signature'
          ? 'Access token validation failure. Invalid signature.'
          : 'Access token validation failure.',
      );
    }
    const claims = opened.claims as unknown as AccessTokenClaims;
    const now = Math.floor(this.#now() / 1000);
    if (claims.exp <= now) throw graphErrors.unauthenticated('Lifetime validation failed, the token is expired.');
    if (claims.aud !== GRAPH_RESOURCE && claims.aud !== '00000003-0000-0000-c000-000000000000') {
      throw graphErrors.unauthenticated('Access token validation failure. Invalid audience.');
    }
    if (claims.gen !== this.generation)
      throw graphErrors.unauthenticated('Access token validation failure. The token has been revoked.');
    return claims;
  }

  #jwt(claims: AccessTokenClaims): string {
    return this.#signer.sign(claims);
  }

  /** An AADSTS error as the token endpoint answers it. */
  error(e: AadError): TokenError {
    return this.#error(e.status, e.error, e.code, e.description);
  }

  #error(status: number, error: string, code: number, description: string): TokenError {
    const traceId = randomUUID();
    const timestamp = new Date(this.#now()).toISOString().replace('T', ' ').slice(0, 19) + 'Z';
    return {
      status,
      body: {
        error,
        error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${randomUUID()} Timestamp: ${timestamp}`,
        error_codes: [code],
        timestamp,
        trace_id: traceId,
        correlation_id: randomUUID(),
      },
    };
  }
}

/** The OpenID configuration document MSAL reads from `{authority}/v2.0/.well-known/openid-configuration`. */
export function openIdConfiguration(authorityHost: string, tenantId: string, issuer?: string): Record<string, unknown> {
  const base = `${authorityHost}/${tenantId}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${authorityHost}/${tenantId}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: issuer ?? `${authorityHost}/${tenantId}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${authorityHost}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid'],
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
  };
}
