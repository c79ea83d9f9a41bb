import { randomUUID } from 'node:crypto';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  SignJWT,
} from 'jose';
import { ROLES } from './roles.ts';
import { createTokenVerifier, type TokenVerifier } from './verifier.ts';

/** A token issuer for tests: an RSA key pair, the settings a verifier needs, and `token()`. */
export interface TestIssuer {
  readonly tenantId: string;
  readonly issuer: string;
  readonly audience: string;
  /** The public key set, as a JWKS endpoint would serve it. */
  readonly jwks: { keys: JWK[] };
  readonly keys: JWTVerifyGetKey;
  /** A verifier that trusts this issuer (keys in hand, no HTTP). */
  readonly verifier: TokenVerifier;
  /** A signed v2 access token; `claims` override the defaults (a user with both roles). */
  token(claims?: JWTPayload, options?: { expiresInSeconds?: number; kid?: string }): Promise<string>;
  /** A delegated (user) token with exactly these roles. */
  userToken(roles: readonly string[], claims?: JWTPayload): Promise<string>;
  /** An app-only (client credentials) token with exactly these roles. */
  appToken(roles: readonly string[], claims?: JWTPayload): Promise<string>;
}

/** Builds a test issuer; the same shape of tokens Entra ID (and graph-sim) issue. */
export async function createTestIssuer(options: { now?: () => Date } = {}): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = 'test-key-1';
  const jwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' };
  const jwks = { keys: [jwk] };
  const keys = createLocalJWKSet(jwks);
  const tenantId = randomUUID();
  const issuer = `https://login.test/${tenantId}/v2.0`;
  const audience = randomUUID();
  const now = options.now ?? (() => new Date());
  const token: TestIssuer['token'] = async (claims = {}, opts = {}) => {
    const iat = Math.floor(now().getTime() / 1000);
    return new SignJWT({
      aud: audience,
      iss: issuer,
      tid: tenantId,
      oid: randomUUID(),
      sub: randomUUID(),
      azp: randomUUID(),
      scp: 'access_as_user',
      name: 'Test Admin',
      preferred_username: 'admin@contoso.test',
      roles: [ROLES.read, ROLES.operate],
      ver: '2.0',
      iat,
      nbf: iat,
      exp: iat + (opts.expiresInSeconds ?? 3600),
      ...claims,
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: opts.kid ?? kid })
      .sign(privateKey);
  };
  return {
    tenantId,
    issuer,
    audience,
    jwks,
    keys,
    verifier: createTokenVerifier({ issuer, audience, keys, tenantId, ...(options.now ? { now: options.now } : {}) }),
    token,
    userToken: (roles, claims = {}) => token({ roles: [...roles], ...claims }),
    // JSON drops the undefined claims: an app-only token has no scp and no user names.
    appToken: (roles, claims = {}) =>
      token({
        roles: [...roles],
        idtyp: 'app',
        scp: undefined,
        name: undefined,
        preferred_username: undefined,
        ...claims,
      }),
  };
}
