import { createHmac, createPublicKey, type JsonWebKey, KeyObject, randomUUID, sign as rsaSign } from 'node:crypto';
import { GRAPH_URL } from '@provision/graph';
import type { GraphSim } from '@provision/graph-sim';
import fc from 'fast-check';
import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import type { TrustedKey } from './key-set.ts';

/** What a caller's credentials amount to, as the services must judge them. */
export type Credential =
  /** No Authorization header, or not a Bearer one: 401 "sign-in required". */
  | { readonly kind: 'anonymous' }
  /** A Bearer header that is not a valid token for this API: 401 `invalid_token`. */
  | { readonly kind: 'invalid' }
  /** A valid token granting these app roles of the Provision API (none: 403 everywhere). */
  | { readonly kind: 'valid'; readonly grant: 'read' | 'operate' | 'none' };

/** An `Authorization` header value (or none) and what it must amount to. */
export interface AuthCase {
  readonly label: string;
  readonly header: string | undefined;
  readonly credential: Credential;
}

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A token from graph-sim's token endpoint (client credentials), as any client gets one. */
export async function graphSimToken(
  graph: GraphSim,
  client: { clientId: string; clientSecret: string },
  scope: string,
) {
  const response = await fetch(`${graph.authorityHost}/${graph.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.clientSecret,
      scope,
    }),
  });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  if (!body.access_token) throw new Error(`graph-sim issued no token: ${body.error_description}`);
  return body.access_token;
}

/**
 * Every kind of credential the suite sends, signed once before the run: graph-sim's own tokens
 * (both roles, read only, no role, and a Graph token: real signature, another audience), tokens
 * signed with the trusted test key whose one flaw is a claim, forgeries (`alg: none`, HS256 keyed
 * with the public key, foreign keys, an embedded `jwk`, a tampered payload), malformed headers,
 * and `randomForgeries` tokens signed with the trusted key over generated claims and headers.
 */
export async function authCatalogue(graph: GraphSim, key: TrustedKey, randomForgeries = 64): Promise<AuthCase[]> {
  const { issuer, apiAppId: audience, defaultScope } = graph.signIn;
  const tenant = graph.tenantId;
  const now = Math.floor(Date.now() / 1000);
  // Long enough for a full run; the suite never waits for one to expire.
  const base: JWTPayload = {
    aud: audience,
    iss: issuer,
    tid: tenant,
    iat: now,
    nbf: now,
    exp: now + 4 * 3600,
    oid: randomUUID(),
    sub: randomUUID(),
    azp: randomUUID(),
    ver: '2.0',
  };
  const user = { ...base, scp: 'access_as_user', name: 'Security Suite', preferred_username: 'suite@contoso.example' };
  // Signed by hand, so any header and any claim (of any type) can be sent: jose would refuse some.
  const sign = async (
    claims: Record<string, unknown>,
    header: Record<string, unknown> = {},
    privateKey = key.privateKey,
  ) => {
    const signingInput = `${b64({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header })}.${b64(claims)}`;
    const signature = rsaSign('sha256', Buffer.from(signingInput), KeyObject.from(privateKey));
    return `${signingInput}.${signature.toString('base64url')}`;
  };
  const bearer = (token: string) => `Bearer ${token}`;
  const valid = (grant: 'read' | 'operate' | 'none'): Credential => ({ kind: 'valid', grant });
  const invalid: Credential = { kind: 'invalid' };
  const cases: AuthCase[] = [];
  const add = (label: string, header: string | undefined, credential: Credential) =>
    cases.push({ label, header, credential });

  // graph-sim's tokens, as its flows issue them.
  add(
    'graph-sim client with both roles',
    bearer(await graphSimToken(graph, graph.signIn.client, defaultScope)),
    valid('operate'),
  );
  const reader = graph.identity.addClient({ displayName: 'security reader', roles: ['Provision.Read'] });
  add('graph-sim client with Provision.Read', bearer(await graphSimToken(graph, reader, defaultScope)), valid('read'));
  const nobody = graph.identity.addClient({ displayName: 'security no role', roles: [] });
  add('graph-sim client with no role', bearer(await graphSimToken(graph, nobody, defaultScope)), valid('none'));
  const graphToken = await graphSimToken(graph, graph, `${GRAPH_URL}/.default`);
  add('graph-sim token for Microsoft Graph (real signature, another audience)', bearer(graphToken), invalid);

  // Signed with a trusted key: only the named claim is wrong (or, for the valid ones, right).
  add('user token, Provision.Operate', bearer(await sign({ ...user, roles: ['Provision.Operate'] })), valid('operate'));
  add(
    'app token, Provision.Read',
    bearer(await sign({ ...base, idtyp: 'app', roles: ['Provision.Read'] })),
    valid('read'),
  );
  add(
    'user token, Provision.Operate, hostile name claims',
    bearer(
      await sign({
        ...user,
        roles: ['Provision.Operate'],
        name: '=HYPERLINK("http://x","click") <script>alert(1)</script> \u202e\u0000',
        preferred_username: "'; DROP TABLE provisioning_log; --@contoso.example",
      }),
    ),
    valid('operate'),
  );
  add(
    'roles in another case',
    bearer(await sign({ ...user, roles: ['provision.operate', 'PROVISION.READ'] })),
    valid('none'),
  );
  add(
    'roles with spaces',
    bearer(await sign({ ...user, roles: [' Provision.Operate', 'Provision.Read '] })),
    valid('none'),
  );
  add('roles as a string, not a list', bearer(await sign({ ...user, roles: 'Provision.Operate' })), valid('none'));
  add(
    'roles of other types',
    bearer(await sign({ ...user, roles: [1, null, {}, ['Provision.Operate']] })),
    valid('none'),
  );
  add('an unknown role', bearer(await sign({ ...user, roles: ['Provision.Admin'] })), valid('none'));
  add('a scope instead of a role', bearer(await sign({ ...user, scp: 'Provision.Operate' })), valid('none'));
  add('expired an hour ago', bearer(await sign({ ...user, roles: ['Provision.Operate'], exp: now - 3600 })), invalid);
  add('not valid for an hour', bearer(await sign({ ...user, roles: ['Provision.Operate'], nbf: now + 3600 })), invalid);
  add('no expiry', bearer(await sign({ ...user, roles: ['Provision.Operate'], exp: undefined })), invalid);
  add(
    'expiry as a string',
    bearer(await sign({ ...user, roles: ['Provision.Operate'], exp: String(now + 3600) })),
    invalid,
  );
  add('another audience', bearer(await sign({ ...user, roles: ['Provision.Operate'], aud: randomUUID() })), invalid);
  add(
    'audience list without ours',
    bearer(await sign({ ...user, roles: ['Provision.Operate'], aud: [randomUUID()] })),
    invalid,
  );
  add(
    'audience as a prefix',
    bearer(await sign({ ...user, roles: ['Provision.Operate'], aud: audience.slice(0, -1) })),
    invalid,
  );
  add('no audience', bearer(await sign({ ...user, roles: ['Provision.Operate'], aud: undefined })), invalid);
  add(
    'another issuer (another tenant of the same authority)',
    bearer(await sign({ ...user, roles: ['Provision.Operate'], iss: issuer.replace(tenant, randomUUID()) })),
    invalid,
  );
  add(
    'issuer with a trailing slash',
    bearer(await sign({ ...user, roles: ['Provision.Operate'], iss: `${issuer}/` })),
    invalid,
  );
  add(
    'v1 issuer shape',
    bearer(await sign({ ...user, roles: ['Provision.Operate'], iss: issuer.replace(/\/v2\.0$/, '/') })),
    invalid,
  );
  add('no issuer', bearer(await sign({ ...user, roles: ['Provision.Operate'], iss: undefined })), invalid);
  add(
    'another tenant (tid)',
    bearer(await sign({ ...user, roles: ['Provision.Operate'], tid: randomUUID() })),
    invalid,
  );
  add('no tenant (tid)', bearer(await sign({ ...user, roles: ['Provision.Operate'], tid: undefined })), invalid);
  add(
    'critical header it does not know',
    bearer(await sign({ ...user, roles: ['Provision.Operate'] }, { crit: ['exp'] })),
    invalid,
  );
  add(
    'no kid (two keys are published)',
    bearer(await sign({ ...user, roles: ['Provision.Operate'] }, { kid: undefined })),
    invalid,
  );
  add(
    'kid of another type',
    bearer(await sign({ ...user, roles: ['Provision.Operate'] }, { kid: { $ne: '' } })),
    invalid,
  );

  // Forgeries.
  const claims = { ...user, roles: ['Provision.Operate'] };
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    add(`alg ${alg}`, bearer(`${b64({ alg, typ: 'JWT', kid: key.kid })}.${b64(claims)}.`), invalid);
  }
  add('alg none, no signature part', bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}`), invalid);
  const spki = await exportSPKI(createPublicKey({ key: key.publicJwk as JsonWebKey, format: 'jwk' }));
  const hmacSecrets: [string, string][] = [
    ['its PEM', spki],
    ['its JWK', JSON.stringify(key.publicJwk)],
    ['its modulus', String(key.publicJwk.n)],
  ];
  for (const [what, secret] of hmacSecrets) {
    for (const alg of ['HS256', 'HS512']) {
      const head = b64({ alg, typ: 'JWT', kid: key.kid });
      const body = b64(claims);
      const mac = createHmac(alg === 'HS256' ? 'sha256' : 'sha512', secret)
        .update(`${head}.${body}`)
        .digest('base64url');
      add(`${alg} keyed with the public key (${what})`, bearer(`${head}.${body}.${mac}`), invalid);
    }
  }
  const foreign = await generateKeyPair('RS256', { extractable: true });
  add(
    'foreign key, unknown kid',
    bearer(await sign(claims, { kid: 'not-a-published-key' }, foreign.privateKey)),
    invalid,
  );
  add('foreign key, our kid', bearer(await sign(claims, {}, foreign.privateKey)), invalid);
  const graphKid = JSON.parse(Buffer.from(graphToken.split('.')[0]!, 'base64url').toString()).kid as string;
  add("foreign key, graph-sim's kid", bearer(await sign(claims, { kid: graphKid }, foreign.privateKey)), invalid);
  add(
    'foreign key embedded as a jwk header',
    bearer(await sign(claims, { kid: 'embedded', jwk: await exportJWK(foreign.publicKey) }, foreign.privateKey)),
    invalid,
  );
  add(
    'foreign key behind a jku header',
    bearer(await sign(claims, { kid: 'remote', jku: 'https://127.0.0.1:1/keys' }, foreign.privateKey)),
    invalid,
  );
  const ec = await generateKeyPair('ES256', { extractable: true });
  add(
    'ES256 by a foreign key',
    bearer(await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(ec.privateKey)),
    invalid,
  );
  const good = await sign(claims);
  const [h, p, s] = good.split('.') as [string, string, string];
  add(
    'payload tampered after signing',
    bearer(`${h}.${b64({ ...claims, roles: ['Provision.Operate', 'x'] })}.${s}`),
    invalid,
  );
  add('signature of another token', bearer(`${h}.${p}.${(await sign({ ...claims, x: 1 })).split('.')[2]}`), invalid);
  add('signature stripped', bearer(`${h}.${p}.`), invalid);
  add('signature truncated', bearer(`${h}.${p}.${s.slice(0, -8)}`), invalid);
  add('two parts', bearer(`${h}.${p}`), invalid);
  add('four parts', bearer(`${good}.${s}`), invalid);
  add('header not JSON', bearer(`${b64('{"alg":"RS256",')}.${p}.${s}`), invalid);
  add('payload not JSON', bearer(`${h}.${b64('not json')}.${s}`), invalid);
  add('payload a JSON array', bearer(`${h}.${b64([claims])}.${s}`), invalid);
  add('a long random token', bearer(`${'A'.repeat(4000)}.${'B'.repeat(4000)}.${'C'.repeat(300)}`), invalid);

  // Headers that are not a Bearer token.
  add('no Authorization header', undefined, { kind: 'anonymous' });
  add('Basic credentials', 'Basic dXNlcjpwYXNzd29yZA==', { kind: 'anonymous' });
  add('Negotiate', 'Negotiate YIIJvwYGKwYBBQUCoIIJszCCCa+gJDAiBgkqhkiC9xIBAgIGCSqGSIb3EgECAgYKKwYBBAGCNwICCg==', {
    kind: 'anonymous',
  });
  add('a bare token without a scheme', good, { kind: 'anonymous' });
  add('Bearer alone', 'Bearer', invalid);
  add('Bearer and spaces', 'Bearer    ', invalid);
  add('two tokens', `Bearer ${good} ${good}`, invalid);
  add('a quoted token', `Bearer "${good}"`, invalid);
  add('a token with a comma', `Bearer ${good},`, invalid);
  add('a token with characters outside the token68 set', `Bearer ${good.slice(0, 20)}<>{}${good.slice(20)}`, invalid);
  add('scheme in lower case (allowed by RFC 6750)', `bearer ${good}`, valid('operate'));

  // Generated claims and headers, signed with the trusted key: none may get in.
  const json = fc.jsonValue({ maxDepth: 3 });
  const randomClaims = fc.oneof(
    fc.dictionary(fc.string(), json, { maxKeys: 8 }),
    fc.record({ ...Object.fromEntries(Object.keys(claims).map((k) => [k, json])) }, { requiredKeys: [] }),
  );
  const randomHeader = fc.dictionary(fc.constantFrom('typ', 'cty', 'x5t', 'x5c', 'b64', 'zip', 'enc', 'kid'), json, {
    maxKeys: 3,
  });
  for (const [i, [c, head]] of fc.sample(fc.tuple(randomClaims, randomHeader), randomForgeries).entries()) {
    // A generated header keeps our alg and kid unless it names its own kid.
    add(`generated claims #${i}`, bearer(await sign(c as Record<string, unknown>, head)), invalid);
  }
  return cases;
}
