import { createPrivateKey, sign } from 'node:crypto';
import { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceSim } from '../src/index.ts';
import { adminConnection, caught, startSim, userRecord } from './helpers.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

function assertion(privateKey: string, claims: Record<string, unknown>): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const head = `${enc({ alg: 'RS256' })}.${enc(claims)}`;
  return `${head}.${sign('RSA-SHA256', Buffer.from(head), createPrivateKey(privateKey)).toString('base64url')}`;
}

describe.each([{ https: false }, { https: true }])('authentication (https: $https)', ({ https }) => {
  let sim: SalesforceSim;

  beforeAll(async () => {
    sim = await startSim({ https });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('logs in through SOAP login() with the password followed by the security token', async () => {
    const conn = await adminConnection(sim);
    expect(conn.instanceUrl).toBe(sim.url);
    expect(conn.userInfo).toMatchObject({ id: sim.credentials.userId, organizationId: sim.orgId });
    expect(conn.accessToken).toMatch(/^00D\w{12}!/);
  });

  it('answers a wrong password or token with the INVALID_LOGIN fault, and a missing token with LOGIN_MUST_USE_SECURITY_TOKEN', async () => {
    const conn = new Connection({ loginUrl: sim.loginUrl, version: '62.0' });
    const { username, password, securityToken } = sim.credentials;
    expect((await caught(() => conn.login(username, `${password}x${securityToken}`))).message).toBe(
      'INVALID_LOGIN: Invalid username, password, security token; or user locked out.',
    );
    expect((await caught(() => conn.login('nobody@nowhere.example.com', 'x'))).message).toMatch(/^INVALID_LOGIN/);
    expect((await caught(() => conn.login(username, password))).message).toMatch(/^LOGIN_MUST_USE_SECURITY_TOKEN: /);
  });

  it('invalidates the old security token when it is reset', async () => {
    const extra = sim.admin.addUsers(sim.orgId, [
      { ...userRecord(sim, {}, 'System Administrator'), password: 'pw-1', securityToken: 'TOKENONE' },
    ])[0]!;
    const user = sim.admin.user(sim.orgId, extra);
    const conn = new Connection({ loginUrl: sim.loginUrl, version: '62.0' });
    await conn.login(String(user['Username']), 'pw-1TOKENONE');
    const { securityToken: fresh } = sim.admin.resetSecurityToken(sim.orgId, extra);
    expect((await caught(() => conn.login(String(user['Username']), 'pw-1TOKENONE'))).message).toMatch(
      /^INVALID_LOGIN/,
    );
    expect(await conn.login(String(user['Username']), `pw-1${fresh}`)).toMatchObject({ id: extra });
  });

  it('refuses users without API access and orgs without API with the documented faults', async () => {
    const id = sim.admin.addUsers(sim.orgId, [
      { ...userRecord(sim, {}, 'Minimum Access - Salesforce'), password: 'pw', securityToken: 'T' },
    ])[0]!;
    const username = String(sim.admin.user(sim.orgId, id)['Username']);
    const conn = new Connection({ loginUrl: sim.loginUrl, version: '62.0' });
    expect((await caught(() => conn.login(username, 'pwT'))).message).toBe(
      'API_CURRENTLY_DISABLED: API is disabled for this User',
    );
    const other = await sim.admin.createOrg({ apiEnabled: false });
    const refused = await caught(() => conn.login(other.username, other.password + other.securityToken));
    expect(refused.message).toBe('API_DISABLED_FOR_ORG: API is not enabled for this Organization or Partner');
  });

  it('serves SOAP login() up to API 64.0 only', async () => {
    const conn = new Connection({ loginUrl: sim.loginUrl, version: '65.0' });
    const { username, password, securityToken } = sim.credentials;
    expect((await caught(() => conn.login(username, password + securityToken))).message).toMatch(
      /^UNSUPPORTED_API_VERSION/,
    );
  });

  it('expires sessions: 401 INVALID_SESSION_ID, and jsforce logs in again by itself', async () => {
    const conn = await adminConnection(sim);
    const oldToken = conn.accessToken;
    sim.admin.expireSessions(sim.orgId);
    const raw = await fetch(`${sim.url}/services/data/v62.0/limits`, {
      headers: { authorization: `Bearer ${oldToken}` },
    });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    await conn.query('SELECT Id FROM User LIMIT 1');
    expect(conn.accessToken).not.toBe(oldToken);
  });

  it('expires idle sessions after the org timeout', async () => {
    const conn = await adminConnection(sim);
    sim.admin.updateOrg(sim.orgId, { settings: { sessionSeconds: 0 } });
    try {
      const raw = await fetch(`${sim.url}/services/data/v62.0/limits`, {
        headers: { authorization: `Bearer ${conn.accessToken}` },
      });
      expect(raw.status).toBe(401);
    } finally {
      sim.admin.updateOrg(sim.orgId, { settings: { sessionSeconds: 7200 } });
    }
  });

  it('issues a token for a JWT bearer assertion signed for the connected app certificate', async () => {
    const { clientId, username, privateKey } = sim.credentials;
    const conn = new Connection({
      loginUrl: sim.loginUrl,
      version: '62.0',
      oauth2: { loginUrl: sim.loginUrl, clientId },
    });
    const exp = Math.floor(Date.now() / 1000) + 120;
    await conn.authorize({
      grant_type: JWT_BEARER,
      assertion: assertion(privateKey!, { iss: clientId, sub: username, aud: 'https://login.salesforce.com', exp }),
    });
    expect(conn.instanceUrl).toBe(sim.url);
    expect((await conn.query('SELECT Id FROM User LIMIT 1')).records).toHaveLength(1);
  });

  it('checks the JWT signature, iss, aud, exp and sub', async () => {
    const { clientId, username, privateKey } = sim.credentials;
    const other = await sim.admin.createOrg({ name: 'Key Donor' });
    const conn = new Connection({
      loginUrl: sim.loginUrl,
      version: '62.0',
      oauth2: { loginUrl: sim.loginUrl, clientId },
    });
    const exp = Math.floor(Date.now() / 1000) + 120;
    const good = { iss: clientId, sub: username, aud: sim.loginUrl, exp };
    const tryClaims = async (key: string, claims: Record<string, unknown>) => {
      const e = await caught(() => conn.authorize({ grant_type: JWT_BEARER, assertion: assertion(key, claims) }));
      return `${e.name}: ${e.message}`;
    };
    expect(await tryClaims(other.privateKey!, good)).toBe('invalid_grant: invalid assertion');
    expect(await tryClaims(privateKey!, { ...good, iss: 'unknown-app' })).toBe(
      'invalid_client_id: client identifier invalid',
    );
    expect(await tryClaims(privateKey!, { ...good, aud: 'https://elsewhere.example.com' })).toBe(
      'invalid_grant: audience is invalid',
    );
    expect(await tryClaims(privateKey!, { ...good, exp: exp - 600 })).toMatch(/^invalid_grant: expired/);
    expect(await tryClaims(privateKey!, { ...good, sub: other.username })).toMatch(/^invalid_grant: /);
  });

  it('issues a token for client credentials, running as the app’s user', async () => {
    const { clientId, clientSecret } = sim.credentials;
    const conn = new Connection({
      loginUrl: sim.loginUrl,
      version: '62.0',
      oauth2: { loginUrl: sim.loginUrl, clientId, clientSecret },
    });
    const info = await conn.authorize({ grant_type: 'client_credentials' });
    expect(info).toMatchObject({ id: sim.credentials.userId, organizationId: sim.orgId });
    const bad = new Connection({
      loginUrl: sim.loginUrl,
      version: '62.0',
      oauth2: { loginUrl: sim.loginUrl, clientId, clientSecret: 'wrong' },
    });
    const e = await caught(() => bad.authorize({ grant_type: 'client_credentials' }));
    expect(`${e.name}: ${e.message}`).toBe('invalid_client: invalid client credentials');
  });
});
