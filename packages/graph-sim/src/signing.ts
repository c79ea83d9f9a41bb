import { createHash, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';

/** A public key as the tenant's JWKS endpoint publishes it. */
export interface PublishedKey {
  kty: 'RSA';
  use: 'sig';
  kid: string;
  alg: 'RS256';
  n: string;
  e: string;
}

/**
 * The tenant's token-signing key: RS256, as Entra ID signs every token, with the public half
 * published at `/{tenant}/discovery/v2.0/keys` under its `kid` (the RFC 7638 thumbprint).
 */
export class TokenSigner {
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly kid: string;
  readonly published: PublishedKey;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#privateKey = privateKey;
    this.#publicKey = publicKey;
    const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
    this.kid = createHash('sha256')
      .update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n }))
      .digest('base64url');
    this.published = { kty: 'RSA', use: 'sig', kid: this.kid, alg: 'RS256', n: jwk.n, e: jwk.e };
  }

  /** The JWKS document. */
  jwks(): { keys: PublishedKey[] } {
    return { keys: [this.published] };
  }

  /** A compact JWS of `claims`, `{ typ: 'JWT', alg: 'RS256', kid }`. */
  sign(claims: object): string {
    const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: this.kid })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), this.#privateKey).toString('base64url');
    return `${header}.${payload}.${signature}`;
  }

  /**
   * The claims of a token this key signed, or why not: only RS256 with our `kid` is looked at, so
   * `alg: none` and HMAC tokens keyed with the public key are refused.
   */
  open(token: string): { claims: Record<string, unknown> } | { problem: 'malformed' | 'signature' } {
    const parts = token.split('.');
    if (parts.length !== 3) return { problem: 'malformed' };
    const [header, payload, signature] = parts as [string, string, string];
    let head: { alg?: unknown; kid?: unknown };
    let claims: Record<string, unknown>;
    try {
      head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as typeof head;
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return { problem: 'malformed' };
    }
    if (head.alg !== 'RS256' || head.kid !== this.kid) return { problem: 'signature' };
    const ok = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      this.#publicKey,
      Buffer.from(signature, 'base64url'),
    );
    return ok ? { claims } : { problem: 'signature' };
  }
}
