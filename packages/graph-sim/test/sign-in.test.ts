import { createHash, randomBytes } from 'node:crypto';
import { CryptoProvider, PublicClientApplication } from '@azure/msal-node';
import { verifierFromConfig } from '@provision/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphSim, startGraphSim } from '../src/index.ts';

const REDIRECT = 'http://127.0.0.1:8099/';
let sim: GraphSim;
let authority: string;

beforeAll(async () => {
  sim = await startGraphSim({ signInPassword: 'Dev-Passw0rd!' });
  authority = `${sim.authorityHost}/${sim.tenantId}`;
  sim.identity.addRedirectUri(REDIRECT);
});
afterAll(async () => {
  await sim?.close();
});

const verifier = () =>
  verifierFromConfig({
    AUTH_TENANT_ID: sim.tenantId,
    AUTH_AUTHORITY_HOST: sim.authorityHost,
    AUTH_AUDIENCE: [sim.signIn.apiAppId],
  });

async function token(form: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(`${authority}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, string>,
  };
}

/** Drives the dev login page as a browser would: GET the page, POST its form with the credentials. */
async function signIn(authorizeUrl: string, username: string, password: string) {
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200 || !html.includes('<form'))
    return { status: page.status, html, location: page.headers.get('location') };
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.set(m[1]!, m[2]!.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'"));
  }
  form.set('username', username);
  form.set('password', password);
  const posted = await fetch(authorizeUrl.split('?')[0]!, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
    redirect: 'manual',
  });
  return { status: posted.status, html: await posted.text(), location: posted.headers.get('location') };
}

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

const authorizeUrl = (params: Record<string, string>) =>
  `${authority}/oauth2/v2.0/authorize?${new URLSearchParams({
    client_id: sim.signIn.apiAppId,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope: `${sim.signIn.scope} openid offline_access`,
    state: 'st-1',
    ...params,
  })}`;

describe('graph-sim as the identity provider of Provision', () => {
  it('publishes its signing keys at the jwks_uri of its OpenID configuration', async () => {
    const config = (await (await fetch(`${authority}/v2.0/.well-known/openid-configuration`)).json()) as Record<
      string,
      string
    >;
    expect(config['issuer']).toBe(sim.signIn.issuer);
    const jwks = (await (await fetch(config['jwks_uri']!)).json()) as { keys: Record<string, string>[] };
    expect(jwks.keys).toEqual([
      expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) }),
    ]);
  });

  it('issues client-credentials tokens carrying the roles granted to the client, checked against the JWKS', async () => {
    const answer = await token({
      grant_type: 'client_credentials',
      client_id: sim.signIn.client.clientId,
      client_secret: sim.signIn.client.clientSecret,
      scope: sim.signIn.defaultScope,
    });
    expect(answer.status).toBe(200);
    const caller = await verifier().verify(answer.body['access_token']!);
    expect(caller).toMatchObject({
      kind: 'app',
      appId: sim.signIn.client.clientId,
      roles: ['Provision.Read', 'Provision.Operate'],
    });

    // Provision's Graph client holds no Provision role: its token is valid and grants nothing.
    const graphApp = await token({
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
      scope: sim.signIn.defaultScope,
    });
    expect((await verifier().verify(graphApp.body['access_token']!)).roles).toEqual([]);
  });

  it('keeps Graph tokens and Provision tokens apart (audience)', async () => {
    const graph = await token({
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    });
    await expect(verifier().verify(graph.body['access_token']!)).rejects.toThrow(/audience|issuer/);
    const provision = await token({
      grant_type: 'client_credentials',
      client_id: sim.signIn.client.clientId,
      client_secret: sim.signIn.client.clientSecret,
      scope: sim.signIn.defaultScope,
    });
    const users = await fetch(`${sim.url}/v1.0/users`, {
      headers: { authorization: `Bearer ${provision.body['access_token']}` },
    });
    expect(users.status).toBe(401);
  });

  it('refuses a wrong client secret with AADSTS7000215', async () => {
    const answer = await token({
      grant_type: 'client_credentials',
      client_id: sim.signIn.client.clientId,
      client_secret: 'wrong',
      scope: sim.signIn.defaultScope,
    });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({
      error: 'invalid_client',
      error_description: expect.stringMatching(/^AADSTS7000215:/),
    });
  });

  it('signs a dev user in with the authorization code flow and PKCE, driven by MSAL', async () => {
    const msal = new PublicClientApplication({
      auth: { clientId: sim.signIn.apiAppId, authority, knownAuthorities: [new URL(sim.authorityHost).host] },
    });
    const { verifier: codeVerifier, challenge } = await new CryptoProvider().generatePkceCodes();
    const url = await msal.getAuthCodeUrl({
      scopes: [sim.signIn.scope],
      redirectUri: REDIRECT,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      state: 'abc',
    });
    const admin = sim.signIn.users.find((u) => u.roles.includes('Provision.Operate'))!;
    const login = await signIn(url, admin.username, admin.password);
    expect(login.status).toBe(302);
    const back = new URL(login.location!);
    expect(`${back.origin}/`).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('abc');
    const result = await msal.acquireTokenByCode({
      code: back.searchParams.get('code')!,
      scopes: [sim.signIn.scope],
      redirectUri: REDIRECT,
      codeVerifier,
    });
    expect(result.account?.username).toBe(admin.username);
    const caller = await verifier().verify(result.accessToken);
    expect(caller).toMatchObject({
      kind: 'user',
      username: admin.username,
      roles: ['Provision.Read', 'Provision.Operate'],
    });
  });

  it('gives the read-only user only Provision.Read, and refreshes with a rotated refresh token', async () => {
    const { verifier: codeVerifier, challenge } = pkce();
    const reader = sim.signIn.users.find((u) => !u.roles.includes('Provision.Operate'))!;
    const login = await signIn(
      authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256' }),
      reader.username,
      reader.password,
    );
    const code = new URL(login.location!).searchParams.get('code')!;
    const redeem = {
      grant_type: 'authorization_code',
      client_id: sim.signIn.apiAppId,
      code,
      redirect_uri: REDIRECT,
      code_verifier: codeVerifier,
    };
    const first = await token(redeem, { origin: 'http://127.0.0.1:8099' });
    expect(first.status).toBe(200);
    expect(first.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8099');
    expect((await verifier().verify(first.body['access_token']!)).roles).toEqual(['Provision.Read']);
    expect(first.body['id_token']).toBeDefined();

    const replay = await token(redeem);
    expect(replay.body['error_description']).toMatch(/^AADSTS54005:/);

    const refresh = {
      grant_type: 'refresh_token',
      client_id: sim.signIn.apiAppId,
      refresh_token: first.body['refresh_token']!,
    };
    const second = await token(refresh);
    expect(second.status).toBe(200);
    expect(second.body['refresh_token']).not.toBe(first.body['refresh_token']);
    expect((await token(refresh)).status).toBe(400);
  });

  it('refuses a wrong password on the page, a wrong verifier, and a missing PKCE challenge', async () => {
    const { challenge } = pkce();
    const admin = sim.signIn.users[0]!;
    const wrong = await signIn(
      authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256' }),
      admin.username,
      'nope',
    );
    expect(wrong.status).toBe(200);
    expect(wrong.html).toContain('AADSTS50126');

    const ok = await signIn(
      authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256' }),
      admin.username,
      admin.password,
    );
    const code = new URL(ok.location!).searchParams.get('code')!;
    const mismatch = await token({
      grant_type: 'authorization_code',
      client_id: sim.signIn.apiAppId,
      code,
      redirect_uri: REDIRECT,
      code_verifier: pkce().verifier,
    });
    expect(mismatch.body).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/^AADSTS501481:/),
    });

    const noPkce = await fetch(authorizeUrl({}), { redirect: 'manual' });
    expect(noPkce.status).toBe(302);
    const error = new URL(noPkce.headers.get('location')!);
    expect(error.searchParams.get('error')).toBe('invalid_request');
    expect(error.searchParams.get('error_description')).toMatch(/^AADSTS9002325:/);
  });

  it('never redirects to an unregistered redirect URI', async () => {
    const page = await fetch(
      authorizeUrl({
        redirect_uri: 'https://evil.test/cb',
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
      }),
      {
        redirect: 'manual',
      },
    );
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.text()).toContain('AADSTS50011');
  });
});
