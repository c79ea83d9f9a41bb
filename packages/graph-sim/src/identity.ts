import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { guidFromName } from './ids.ts';
import type { TokenSigner } from './signing.ts';

/** The app roles of the Provision API app registration. */
export const PROVISION_ROLES = { read: 'Provision.Read', operate: 'Provision.Operate' } as const;
/** The delegated scope the Provision API exposes (`api://{appId}/access_as_user`). */
export const PROVISION_SCOPE = 'access_as_user';

/** The "Provision" app registration: an API with app roles, and the dashboard's SPA redirect URIs. */
export interface ProvisionApiRegistration {
  /** Application (client) id: the `aud` of its access tokens and the dashboard's client id. */
  readonly appId: string;
  readonly identifierUri: string;
  readonly displayName: string;
  readonly appRoles: readonly { id: string; value: string; displayName: string; allowedMemberTypes: string[] }[];
  /** SPA redirect URIs (exact match, as Entra compares them). */
  readonly redirectUris: Set<string>;
}

/** A person who can sign in (the dev login), with the Provision app roles assigned to them. */
export interface SignInUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
  readonly displayName: string;
  readonly roles: readonly string[];
}

/** A confidential client (client credentials) and the Provision app roles granted to it. */
export interface ApiClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly displayName: string;
  /** Object id of its service principal: the `oid` of its tokens. */
  readonly servicePrincipalId: string;
  readonly roles: readonly string[];
}

/** An AADSTS error, as Entra's endpoints answer it. */
export interface AadError {
  readonly status: number;
  readonly error: string;
  readonly code: number;
  readonly description: string;
}

export const aad = (status: number, error: string, code: number, description: string): AadError => ({
  status,
  error,
  code,
  description,
});

/** What `/authorize` was asked, once checked. */
export interface AuthorizeRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly state: string | null;
  readonly nonce: string | null;
  readonly codeChallenge: string | null;
  readonly codeChallengeMethod: string | null;
}

interface IssuedCode extends AuthorizeRequest {
  readonly user: SignInUser;
  readonly expiresAt: number;
  redeemed: boolean;
}

interface IssuedRefresh {
  readonly user: SignInUser;
  readonly clientId: string;
  readonly scope: string;
  readonly expiresAt: number;
}

type TokenAnswer = { status: 200; body: Record<string, unknown> } | AadError;

const CODE_TTL_MS = 10 * 60_000;
const REFRESH_TTL_MS = 24 * 3_600_000; // SPA refresh tokens live 24 hours

/**
 * The tenant's identity provider for Provision itself: the Provision API app registration, the
 * people who may sign in to the dashboard (the dev login), clients granted roles for the CLI and
 * tests, and the authorization code flow with PKCE. Tokens are Entra v2 access tokens signed with
 * the tenant key, so a service checks them exactly as it checks Entra's.
 */
export class IdentityProvider {
  readonly tenantId: string;
  readonly api: ProvisionApiRegistration;
  readonly users: SignInUser[] = [];
  readonly clients = new Map<string, ApiClient>();
  /** `https://host:port` the tokens name as their issuer's host (set when the simulator listens). */
  authorityHost = 'https://localhost';
  readonly #signer: TokenSigner;
  readonly #now: () => number;
  readonly #lifetime: () => number;
  readonly #codes = new Map<string, IssuedCode>();
  readonly #refresh = new Map<string, IssuedRefresh>();

  constructor(options: {
    tenantId: string;
    domain: string;
    signer: TokenSigner;
    lifetimeSeconds: () => number;
    /** Password of the seeded dev users (default: random). */
    password?: string;
    /** Secret of the seeded "Provision CLI" client (default: random). */
    clientSecret?: string;
    now?: () => number;
  }) {
    this.tenantId = options.tenantId;
    this.#signer = options.signer;
    this.#now = options.now ?? Date.now;
    this.#lifetime = options.lifetimeSeconds;
    const appId = guidFromName(this.tenantId, 'provision-api');
    this.api = {
      appId,
      identifierUri: `api://${appId}`,
      displayName: 'Provision',
      appRoles: [
        {
          id: guidFromName(appId, PROVISION_ROLES.read),
          value: PROVISION_ROLES.read,
          displayName: 'Read the provisioning log and status',
          allowedMemberTypes: ['User', 'Application'],
        },
        {
          id: guidFromName(appId, PROVISION_ROLES.operate),
          value: PROVISION_ROLES.operate,
          displayName: 'Release the guard, provision on demand',
          allowedMemberTypes: ['User', 'Application'],
        },
      ],
      redirectUris: new Set(),
    };
    const password = options.password ?? `${randomBytes(9).toString('base64url')}-Aa1`;
    this.addUser({
      username: `provision.admin@${options.domain}`,
      displayName: 'Provision Admin',
      password,
      roles: [PROVISION_ROLES.read, PROVISION_ROLES.operate],
    });
    this.addUser({
      username: `provision.reader@${options.domain}`,
      displayName: 'Provision Reader',
      password,
      roles: [PROVISION_ROLES.read],
    });
    this.addClient({
      displayName: 'Provision CLI',
      roles: [PROVISION_ROLES.read, PROVISION_ROLES.operate],
      ...(options.clientSecret === undefined ? {} : { clientSecret: options.clientSecret }),
    });
  }

  /** The v2 issuer, as the OpenID configuration and every token name it. */
  get issuer(): string {
    return `${this.authorityHost}/${this.tenantId}/v2.0`;
  }

  /** Registers an SPA redirect URI on the Provision app (the dashboard's URL). */
  addRedirectUri(uri: string): void {
    const url = new URL(uri);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
      throw new Error('a redirect URI must be https, or http on a loopback address');
    }
    this.api.redirectUris.add(uri);
  }

  addUser(user: Omit<SignInUser, 'id'> & { id?: string }): SignInUser {
    const added = { ...user, id: user.id ?? guidFromName(this.tenantId, `user:${user.username.toLowerCase()}`) };
    this.users.push(added);
    return added;
  }

  /** A client with a secret, granted `roles` of the Provision API (application permissions). */
  addClient(client: { displayName: string; roles: readonly string[]; clientSecret?: string }): ApiClient {
    const clientId = guidFromName(this.tenantId, `client:${client.displayName}:${this.clients.size}`);
    const added: ApiClient = {
      clientId,
      clientSecret: client.clientSecret ?? `${randomBytes(3).toString('hex')}~${randomBytes(24).toString('base64url')}`,
      displayName: client.displayName,
      servicePrincipalId: guidFromName(clientId, 'service-principal'),
      roles: [...client.roles],
    };
    this.clients.set(clientId, added);
    return added;
  }

  /** The seeded client with both roles (for the CLI and tests). */
  get operatorClient(): ApiClient {
    return [...this.clients.values()][0]!;
  }

  /**
   * Checks an authorization request. Errors about the client or the redirect URI are shown on the
   * page (never sent to an unverified address); the others go back to the redirect URI.
   */
  checkAuthorize(
    params: URLSearchParams,
  ): { ok: AuthorizeRequest } | { page: AadError } | { redirect: AadError; to: string; state: string | null } {
    const clientId = params.get('client_id') ?? '';
    if (!clientId)
      return {
        page: aad(
          400,
          'invalid_request',
          900144,
          "The request body must contain the following parameter: 'client_id'.",
        ),
      };
    if (clientId !== this.api.appId) {
      return {
        page: aad(
          400,
          'unauthorized_client',
          700016,
          `Application with identifier '${clientId}' was not found in the directory '${this.tenantId}'.`,
        ),
      };
    }
    const redirectUri = params.get('redirect_uri') ?? '';
    if (!this.api.redirectUris.has(redirectUri)) {
      return {
        page: aad(
          400,
          'invalid_request',
          50011,
          `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`,
        ),
      };
    }
    const state = params.get('state');
    const back = (error: AadError) => ({ redirect: error, to: redirectUri, state });
    if (params.get('response_type') !== 'code') {
      return back(
        aad(
          400,
          'unsupported_response_type',
          700054,
          `response_type '${params.get('response_type') ?? ''}' is not enabled for the application.`,
        ),
      );
    }
    const scope = params.get('scope') ?? '';
    const scopeProblem = this.#checkScope(scope, 'delegated');
    if (scopeProblem) return back(scopeProblem);
    const method = params.get('code_challenge_method');
    const challenge = params.get('code_challenge');
    // An SPA must use PKCE; only S256 is offered (plain would reveal the verifier).
    if (!challenge || !/^[A-Za-z0-9_-]{43}$/.test(challenge) || method !== 'S256') {
      return back(
        aad(
          400,
          'invalid_request',
          9002325,
          'Proof Key for Code Exchange is required for cross-origin authorization code redemption (code_challenge with code_challenge_method S256).',
        ),
      );
    }
    return {
      ok: {
        clientId,
        redirectUri,
        scope,
        state,
        nonce: params.get('nonce'),
        codeChallenge: challenge,
        codeChallengeMethod: method,
      },
    };
  }

  /** The dev login: checks the password and the user's assignment, then issues a code. */
  signIn(request: AuthorizeRequest, username: string, password: string): { code: string } | { retry: AadError } {
    const user = this.users.find((u) => u.username.toLowerCase() === username.trim().toLowerCase());
    if (!user || !same(user.password, password)) {
      return {
        retry: aad(400, 'invalid_grant', 50126, 'Error validating credentials due to invalid username or password.'),
      };
    }
    if (!user.roles.some((r) => this.api.appRoles.some((role) => role.value === r))) {
      return {
        retry: aad(
          400,
          'invalid_grant',
          50105,
          `Your administrator has configured the application ${this.api.displayName} ('${this.api.appId}') to block users unless they are specifically granted ('assigned') access to the application. The signed in user '${user.username}' is blocked because they are not a direct member of a group with access, nor had access directly assigned by an administrator.`,
        ),
      };
    }
    const code = randomBytes(32).toString('base64url');
    this.#codes.set(code, { ...request, user, expiresAt: this.#now() + CODE_TTL_MS, redeemed: false });
    return { code };
  }

  /** `grant_type=authorization_code` (with the PKCE verifier) and `refresh_token`. */
  redeem(form: URLSearchParams): TokenAnswer {
    const grant = form.get('grant_type');
    return grant === 'refresh_token' ? this.#refreshGrant(form) : this.#codeGrant(form);
  }

  /** `grant_type=client_credentials` for `api://{appId}/.default`. */
  clientCredentials(form: URLSearchParams, graphClient: { clientId: string; clientSecret: string }): TokenAnswer {
    const clientId = form.get('client_id') ?? '';
    const known =
      this.clients.get(clientId) ??
      (clientId === graphClient.clientId
        ? {
            ...graphClient,
            roles: [],
            servicePrincipalId: guidFromName(clientId, 'service-principal'),
            displayName: 'Provision (Graph)',
          }
        : undefined);
    if (!known) {
      return aad(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${this.tenantId}'.`,
      );
    }
    if (!same(known.clientSecret, form.get('client_secret') ?? '')) {
      return aad(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      );
    }
    const problem = this.#checkScope(form.get('scope') ?? '', 'application');
    if (problem) return problem;
    const now = Math.floor(this.#now() / 1000);
    const lifetime = this.#lifetime();
    const roles = known.roles.filter((r) => this.api.appRoles.some((role) => role.value === r));
    const claims = {
      aud: this.api.appId,
      iss: this.issuer,
      iat: now,
      nbf: now,
      exp: now + lifetime,
      azp: clientId,
      azpacr: '1',
      idtyp: 'app',
      oid: known.servicePrincipalId,
      sub: known.servicePrincipalId,
      app_displayname: known.displayName,
      ...(roles.length > 0 ? { roles } : {}),
      tid: this.tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '2.0',
    };
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        expires_in: lifetime,
        ext_expires_in: lifetime,
        access_token: this.#signer.sign(claims),
      },
    };
  }

  /** Whether a scope list asks for the Provision API (so the token endpoint sends it here). */
  isProvisionScope(scope: string): boolean {
    return scope
      .split(' ')
      .some((s) => s.startsWith(`${this.api.identifierUri}/`) || s.startsWith(`${this.api.appId}/`));
  }

  #checkScope(scope: string, kind: 'delegated' | 'application'): AadError | undefined {
    const scopes = scope.split(' ').filter(Boolean);
    const api = scopes.filter((s) => this.isProvisionScope(s));
    const allowed =
      kind === 'application'
        ? api.length === 1 && /\/\.default$/.test(api[0]!) && scopes.length === 1
        : api.length >= 1 &&
          api.every((s) => s.endsWith(`/${PROVISION_SCOPE}`) || s.endsWith('/.default')) &&
          scopes.every((s) => api.includes(s) || ['openid', 'profile', 'email', 'offline_access'].includes(s));
    if (allowed) return undefined;
    return kind === 'application'
      ? aad(
          400,
          'invalid_scope',
          1002012,
          `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        )
      : aad(
          400,
          'invalid_scope',
          70011,
          `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
        );
  }

  #codeGrant(form: URLSearchParams): TokenAnswer {
    for (const name of ['code', 'client_id', 'redirect_uri']) {
      if (!form.get(name))
        return aad(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);
    }
    const issued = this.#codes.get(form.get('code')!);
    if (!issued || issued.clientId !== form.get('client_id')) {
      return aad(400, 'invalid_grant', 70000, "The provided value for the 'code' parameter is not valid.");
    }
    if (issued.redeemed)
      return aad(
        400,
        'invalid_grant',
        54005,
        'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
      );
    if (issued.expiresAt < this.#now()) {
      this.#codes.delete(form.get('code')!);
      return aad(
        400,
        'invalid_grant',
        70008,
        'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
      );
    }
    if (issued.redirectUri !== form.get('redirect_uri')) {
      return aad(
        400,
        'invalid_grant',
        70000,
        "The provided value for the 'redirect_uri' is not valid. The value must exactly match the redirect URI used to obtain the authorization code.",
      );
    }
    const verifier = form.get('code_verifier') ?? '';
    if (!verifier)
      return aad(
        400,
        'invalid_request',
        9002325,
        'Proof Key for Code Exchange is required for cross-origin authorization code redemption.',
      );
    if (createHash('sha256').update(verifier).digest('base64url') !== issued.codeChallenge) {
      return aad(
        400,
        'invalid_grant',
        501481,
        'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
      );
    }
    issued.redeemed = true;
    return { status: 200, body: this.#userTokens(issued.user, issued.clientId, issued.scope, issued.nonce) };
  }

  #refreshGrant(form: URLSearchParams): TokenAnswer {
    const token = form.get('refresh_token') ?? '';
    const issued = this.#refresh.get(token);
    if (!issued || issued.clientId !== form.get('client_id') || issued.expiresAt < this.#now()) {
      return aad(
        400,
        'invalid_grant',
        700084,
        'The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page.',
      );
    }
    // Refresh tokens are single use for an SPA: the old one is spent, a new one comes back.
    this.#refresh.delete(token);
    return { status: 200, body: this.#userTokens(issued.user, issued.clientId, issued.scope, null) };
  }

  #userTokens(user: SignInUser, clientId: string, scope: string, nonce: string | null): Record<string, unknown> {
    const now = Math.floor(this.#now() / 1000);
    const lifetime = this.#lifetime();
    const scopes = scope.split(' ').filter(Boolean);
    const roles = user.roles.filter((r) => this.api.appRoles.some((role) => role.value === r));
    const access = {
      aud: this.api.appId,
      iss: this.issuer,
      iat: now,
      nbf: now,
      exp: now + lifetime,
      azp: clientId,
      azpacr: '0',
      name: user.displayName,
      oid: user.id,
      preferred_username: user.username,
      ...(roles.length > 0 ? { roles } : {}),
      scp: PROVISION_SCOPE,
      sub: guidFromName(clientId, user.id),
      tid: this.tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '2.0',
    };
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: `${this.api.identifierUri}/${PROVISION_SCOPE}`,
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: this.#signer.sign(access),
      client_info: Buffer.from(JSON.stringify({ uid: user.id, utid: this.tenantId })).toString('base64url'),
    };
    if (scopes.includes('openid')) {
      body['id_token'] = this.#signer.sign({
        aud: clientId,
        iss: this.issuer,
        iat: now,
        nbf: now,
        exp: now + lifetime,
        ...(nonce ? { nonce } : {}),
        name: user.displayName,
        oid: user.id,
        preferred_username: user.username,
        sub: access.sub,
        tid: this.tenantId,
        ver: '2.0',
      });
    }
    if (scopes.includes('offline_access')) {
      const refresh = randomBytes(48).toString('base64url');
      this.#refresh.set(refresh, { user, clientId, scope, expiresAt: this.#now() + REFRESH_TTL_MS });
      body['refresh_token'] = refresh;
    }
    return body;
  }
}

function same(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
}

/** A fresh id for a request trace, as AADSTS errors carry. */
export const traceId = (): string => randomUUID();
