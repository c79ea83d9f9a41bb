import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { type Caller, callerFromClaims } from './caller.ts';

/** Why a token was refused: a 401 (`invalid_token`) or, when the keys cannot be had, a 503. */
export class TokenRejected extends Error {
  readonly status: 401 | 503;

  constructor(message: string, status: 401 | 503 = 401, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenRejected';
    this.status = status;
  }
}

export interface VerifierOptions {
  /** Accepted `iss` values: Entra v2 tokens carry `<authority host>/<tenant id>/v2.0`. */
  readonly issuer: string | readonly string[];
  /** Accepted `aud` values: the API's client id (v2 tokens) and/or its App ID URI (v1 tokens). */
  readonly audience: string | readonly string[];
  /** Where the signing keys come from: a JWKS URL (fetched and cached), or a key set in hand (tests). */
  readonly keys: URL | JWTVerifyGetKey;
  /** The tenant whose tokens are accepted (`tid`); unset accepts whichever the issuer implies. */
  readonly tenantId?: string;
  /** Allowed clock difference for `exp` and `nbf` (default 60 s). */
  readonly clockToleranceSeconds?: number;
  /** Least time between two fetches of the key set (default 30 s), so forged `kid`s cannot flood the IdP. */
  readonly jwksCooldownMs?: number;
  readonly now?: () => Date;
}

/** Checks bearer access tokens; resolves the caller or rejects with `TokenRejected`. */
export interface TokenVerifier {
  verify(token: string): Promise<Caller>;
}

/**
 * Tokens are checked as Entra ID's guidance for protected web APIs says: the signature against the
 * tenant's published keys (RS256 only, so `alg: none` and HS256 signed with the public key are
 * refused before any key is looked at), the issuer, the audience, `exp` and `nbf` with a small clock
 * skew, and the tenant. The key set is fetched once and refetched when a token names an unknown
 * `kid` (key rollover), at most every 30 s.
 */
export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  const keys =
    options.keys instanceof URL
      ? createRemoteJWKSet(options.keys, {
          timeoutDuration: 5000,
          cooldownDuration: options.jwksCooldownMs ?? 30_000,
          cacheMaxAge: 3_600_000,
        })
      : options.keys;
  const issuer = typeof options.issuer === 'string' ? [options.issuer] : [...options.issuer];
  const audience = typeof options.audience === 'string' ? [options.audience] : [...options.audience];
  return {
    async verify(token: string): Promise<Caller> {
      let claims: JWTPayload;
      try {
        ({ payload: claims } = await jwtVerify(token, keys, {
          algorithms: ['RS256'],
          issuer,
          audience,
          clockTolerance: options.clockToleranceSeconds ?? 60,
          requiredClaims: ['exp'],
          ...(options.now ? { currentDate: options.now() } : {}),
        }));
      } catch (error) {
        throw rejection(error);
      }
      if (options.tenantId !== undefined && String(claims['tid']).toLowerCase() !== options.tenantId.toLowerCase()) {
        throw new TokenRejected('The token was issued for another tenant.');
      }
      return callerFromClaims(claims);
    },
  };
}

function rejection(error: unknown): TokenRejected {
  if (error instanceof errors.JWTExpired) return new TokenRejected('The token is expired.', 401, { cause: error });
  if (error instanceof errors.JWTClaimValidationFailed) {
    const why: Record<string, string> = {
      nbf: 'The token is not valid yet.',
      iat: 'The token was issued in the future.',
      iss: 'The token was issued by another authority (wrong issuer).',
      aud: 'The token is meant for another API (wrong audience).',
      exp: 'The token has no expiry.',
    };
    return new TokenRejected(why[error.claim] ?? `The token's '${error.claim}' claim is not valid.`, 401, {
      cause: error,
    });
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
    return new TokenRejected('The token is not signed with RS256.', 401, { cause: error });
  if (error instanceof errors.JWKSNoMatchingKey)
    return new TokenRejected('The token is signed with a key the tenant does not publish.', 401, { cause: error });
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new TokenRejected('The token signature is invalid.', 401, { cause: error });
  if (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    !(error instanceof errors.JOSEError) ||
    error.code === 'ERR_JOSE_GENERIC'
  )
    return new TokenRejected('The signing keys of the identity provider could not be read; try again.', 503, {
      cause: error,
    });
  return new TokenRejected('The token is malformed.', 401, { cause: error });
}
