import { createHmac, createPublicKey, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCaller } from './caller.ts';
import { ROLES } from './roles.ts';
import { createTestIssuer, type TestIssuer } from './testing.ts';
import { createTokenVerifier, TokenRejected } from './verifier.ts';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  aud: issuer.audience,
  iss: issuer.issuer,
  tid: issuer.tenantId,
  oid: randomUUID(),
  roles: [ROLES.operate],
  iat: now(),
  nbf: now(),
  exp: now() + 600,
  ...extra,
});

async function rejected(token: string): Promise<TokenRejected> {
  const error = await issuer.verifier.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenRejected);
  return error as TokenRejected;
}

describe('createTokenVerifier', () => {
  it('accepts a token of the tenant for the API, and reads the caller from it', async () => {
    const caller = await issuer.verifier.verify(
      await issuer.userToken([ROLES.read], {
        oid: 'oid-1',
        name: 'Adele Vance',
        preferred_username: 'adele@contoso.test',
      }),
    );
    expect(caller).toMatchObject({ kind: 'user', id: 'oid-1', username: 'adele@contoso.test', roles: [ROLES.read] });
    expect(describeCaller(caller)).toBe('Adele Vance <adele@contoso.test> (user oid-1)');
  });

  it('reads an app-only token as an app, with its client id', async () => {
    const caller = await issuer.verifier.verify(
      await issuer.appToken([ROLES.operate], { azp: 'client-1', oid: 'sp-1' }),
    );
    expect(caller).toMatchObject({ kind: 'app', id: 'sp-1', appId: 'client-1', username: null });
    expect(describeCaller(caller)).toBe('(app client-1)');
  });

  it('refuses alg none', async () => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`;
    expect((await rejected(token)).message).toMatch(/malformed|RS256/);
  });

  it('refuses HS256 signed with the public key (algorithm confusion)', async () => {
    const pem = createPublicKey({ key: issuer.jwks.keys[0] as JWK & { kty: 'RSA' }, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: issuer.jwks.keys[0]!.kid })}.${b64(claims())}`;
    const token = `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    expect((await rejected(token)).message).toBe('The token is not signed with RS256.');
  });

  it('refuses a token signed with another key under the same key id', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'RS256', kid: issuer.jwks.keys[0]!.kid! })
      .sign(privateKey);
    expect((await rejected(token)).message).toBe('The token signature is invalid.');
  });

  it('refuses a token signed with a key the tenant does not publish', async () => {
    const token = await issuer.token({}, { kid: 'not-published' });
    expect((await rejected(token)).message).toBe('The token is signed with a key the tenant does not publish.');
  });

  it('refuses a token whose claims were changed after signing', async () => {
    const [header, , signature] = (await issuer.userToken([ROLES.read])).split('.');
    const token = `${header}.${b64(claims({ roles: [ROLES.read, ROLES.operate] }))}.${signature}`;
    expect((await rejected(token)).message).toBe('The token signature is invalid.');
  });

  it('refuses another issuer, another audience and another tenant', async () => {
    expect((await rejected(await issuer.token({ iss: 'https://login.test/other/v2.0' }))).message).toMatch(/issuer/);
    expect((await rejected(await issuer.token({ aud: randomUUID() }))).message).toMatch(/audience/);
    expect((await rejected(await issuer.token({ tid: randomUUID() }))).message).toMatch(/tenant/);
  });

  it('refuses an expired token past the clock skew, and accepts one within it', async () => {
    expect((await rejected(await issuer.token({ exp: now() - 61 }))).message).toBe('The token is expired.');
    await expect(issuer.verifier.verify(await issuer.token({ exp: now() - 30 }))).resolves.toBeDefined();
  });

  it('refuses a token not valid yet, and one without an expiry', async () => {
    expect((await rejected(await issuer.token({ nbf: now() + 300 }))).message).toBe('The token is not valid yet.');
    expect((await rejected(await issuer.token({ exp: undefined }))).status).toBe(401);
  });

  it('refuses what is not a JWT at all', async () => {
    for (const token of ['abc', 'a.b.c', `${b64({ alg: 'RS256' })}.not-json.sig`, '..']) {
      expect((await rejected(token)).status).toBe(401);
    }
  });
});

describe('createTokenVerifier with a JWKS URL', () => {
  let server: Server;
  let url: string;
  let fetches = 0;
  let served: { keys: JWK[] };

  beforeAll(async () => {
    served = issuer.jwks;
    server = createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(served));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches the key set once, and again when a token names a new key (rollover)', async () => {
    const verifier = createTokenVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      keys: new URL(url),
      jwksCooldownMs: 0,
    });
    await verifier.verify(await issuer.token());
    await verifier.verify(await issuer.token());
    expect(fetches).toBe(1);
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    served = { keys: [...issuer.jwks.keys, { ...(await exportJWK(publicKey)), kid: 'rolled', alg: 'RS256' }] };
    const rolled = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'rolled' }).sign(privateKey);
    await expect(verifier.verify(rolled)).resolves.toMatchObject({ roles: [ROLES.operate] });
    expect(fetches).toBe(2);
  });

  it('answers 503, not 401, when the key set cannot be read', async () => {
    const verifier = createTokenVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      keys: new URL('http://127.0.0.1:1/keys'),
    });
    const error = await verifier.verify(await issuer.token()).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503 });
  });
});
