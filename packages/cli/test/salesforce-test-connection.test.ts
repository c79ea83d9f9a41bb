import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OrgCredentials, OrgSeed, SalesforceSim } from '@provision/salesforce-sim';
import { startSalesforceSim } from '@provision/salesforce-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runInProcess } from './run-cli.ts';

let sim: SalesforceSim;

beforeAll(async () => {
  sim = await startSalesforceSim();
});
afterAll(async () => {
  await sim?.close();
});

const passwordFlags = (c: OrgCredentials, overrides: { password?: string; token?: string | null } = {}) => [
  '--login-url',
  sim.loginUrl,
  '--username',
  c.username,
  '--password',
  overrides.password ?? c.password,
  ...(overrides.token === null ? [] : ['--security-token', overrides.token ?? c.securityToken]),
];

// In this process (fast); the tests that check exit codes of the real process use runCli.
const testConnection = (...args: string[]) => runInProcess(['salesforce', 'test-connection', ...args]);

async function org(seed: OrgSeed): Promise<OrgCredentials> {
  return sim.admin.createOrg(seed);
}

function keyFile(pem: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'provision-cli-key-')), 'key.pem');
  writeFileSync(path, pem);
  return path;
}

describe('provision salesforce test-connection, password + security token', () => {
  it('reports every item ready and exits 0 for a System Administrator', async () => {
    const r = await testConnection(...passwordFlags(sim.credentials));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('✓ Salesforce reachable');
    expect(r.stdout).toContain('✓ Credentials valid');
    expect(r.stdout).toContain('✓ API enabled');
    expect(r.stdout).toContain('✓ Manage Users permission');
    expect(r.stdout).toContain(`Connected as ${sim.credentials.username} (profile System Administrator)`);
    expect(r.stdout).toContain('Ready to provision.');
  });

  it('reads the writer’s SALESFORCE_* variables when no flag is given', async () => {
    const c = sim.credentials;
    const r = await runCli(['salesforce', 'test-connection', '--json'], {
      SALESFORCE_AUTH: 'password',
      SALESFORCE_LOGIN_URL: sim.loginUrl,
      SALESFORCE_USERNAME: c.username,
      SALESFORCE_PASSWORD: c.password,
      SALESFORCE_SECURITY_TOKEN: c.securityToken,
    });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ ok: true, auth: 'password', loginUrl: sim.loginUrl });
    expect(report.checks.map((c: { state: string }) => c.state)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(r.stdout).not.toContain(c.password);
  });

  it('tells a wrong security token from a wrong password', async () => {
    const wrongToken = await runCli([
      'salesforce',
      'test-connection',
      ...passwordFlags(sim.credentials, { token: 'NOT-THE-TOKEN' }),
    ]);
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stdout).toContain('✗ Credentials valid');
    expect(wrongToken.stdout).toContain('The username and password are right; the security token is wrong');
    expect(wrongToken.stdout).toContain('Reset My Security Token');
    expect(wrongToken.stdout).toContain('· API enabled — not checked');

    const wrongPassword = await testConnection(...passwordFlags(sim.credentials, { password: 'not-the-password' }));
    expect(wrongPassword.code).toBe(1);
    expect(wrongPassword.stdout).toContain('The username or the password is wrong');
    expect(wrongPassword.stdout).not.toContain('the security token is wrong');
  });

  it('says the token is missing when the password alone is right', async () => {
    const r = await testConnection(...passwordFlags(sim.credentials, { token: null }));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('the security token is missing');
    expect(r.stdout).toContain('--security-token / SALESFORCE_SECURITY_TOKEN');
  });

  it('with --no-diagnose makes one login only and says it cannot tell which is wrong', async () => {
    sim.admin.resetRequestCounts();
    const r = await testConnection(...passwordFlags(sim.credentials, { token: 'NOT-THE-TOKEN' }), '--no-diagnose');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('it does not say which');
    const logins = Object.entries(sim.admin.requestCounts())
      .filter(([route]) => route.includes('/services/Soap/u'))
      .reduce((n, [, count]) => n + count, 0);
    expect(logins).toBe(1);
  });

  it('names the profile lacking API Enabled', async () => {
    const c = await org({ admin: { profile: 'Minimum Access - Salesforce' } });
    const r = await testConnection(...passwordFlags(c));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✓ Credentials valid');
    expect(r.stdout).toContain('✗ API enabled');
    expect(r.stdout).toContain('API access is disabled for the integration user');
    expect(r.stdout).toContain('"API Enabled"');
  });

  it('says when the org itself has no API access', async () => {
    const c = await org({ apiEnabled: false, edition: 'Professional' });
    const r = await testConnection(...passwordFlags(c));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('The org has no API access');
    expect(r.stdout).toContain('Professional Edition needs the API add-on');
  });

  it('names the profile lacking Manage Users', async () => {
    const c = await org({ admin: { profile: 'Standard User' } });
    const r = await testConnection(...passwordFlags(c), '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.checks[3]).toMatchObject({ name: 'Manage Users permission', state: 'failed' });
    expect(report.checks[3].fix).toContain('Setup → Profiles → Standard User');
  });

  it('passes with a note when Manage Users comes from a permission set', async () => {
    const c = await org({ admin: { profile: 'Standard User' } });
    sim.admin.assignPermissionSet(c.orgId, c.userId, 'Provisioning_Integration');
    const r = await testConnection(...passwordFlags(c));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('note: "Manage Users" comes from permission set Provisioning_Integration');
  });

  it('says what to check when nothing answers at the login URL', async () => {
    const closed = await startSalesforceSim();
    const url = closed.loginUrl;
    await closed.close();
    const r = await testConnection('--login-url', url, '--username', 'a@b.c', '--password', 'x');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ Salesforce reachable');
    expect(r.stdout).toContain(`Nothing accepts connections at ${url}`);
    expect(r.stdout).toContain('https://test.salesforce.com');
  });
  it('gives up on a login URL that accepts connections but never answers, and the process exits', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      const r = await runCli([
        'salesforce',
        'test-connection',
        '--login-url',
        url,
        '--username',
        'a@b.c',
        '--password',
        'x',
        '--timeout',
        '1',
      ]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`No answer from ${url}: no answer within 1 s`);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});

describe('provision salesforce test-connection, OAuth flows', () => {
  it('connects with the JWT bearer flow and the connected app’s key', async () => {
    const c = sim.credentials;
    const r = await testConnection(
      '--auth',
      'jwt',
      '--login-url',
      sim.loginUrl,
      '--client-id',
      c.clientId,
      '--username',
      c.username,
      '--private-key-file',
      keyFile(c.privateKey ?? ''),
    );
    expect(r.stdout).toContain('(jwt)');
    expect(r.code).toBe(0);
  });

  it('says the key does not match the certificate when the JWT is signed with another key', async () => {
    const other = await org({});
    const c = sim.credentials;
    const r = await testConnection(
      '--auth',
      'jwt',
      '--login-url',
      sim.loginUrl,
      '--client-id',
      c.clientId,
      '--username',
      c.username,
      '--private-key-file',
      keyFile(other.privateKey ?? ''),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("signature does not match the connected app's certificate");
  });

  it('connects with client credentials running as the app’s user, and names a wrong secret', async () => {
    const c = await org({
      admin: { username: 'runas@cc.example.com' },
      connectedApp: { runAs: 'runas@cc.example.com' },
    });
    const flags = ['--auth', 'client_credentials', '--login-url', sim.loginUrl, '--client-id', c.clientId];
    const good = await testConnection(...flags, '--client-secret', c.clientSecret);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('Connected as runas@cc.example.com');
    const bad = await testConnection(...flags, '--client-secret', 'wrong');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('The consumer secret is wrong.');
  });
});

describe('provision salesforce test-connection, settings', () => {
  it('names every missing or malformed setting in one message and exits 2', async () => {
    const r = await runCli(['salesforce', 'test-connection', '--auth', 'jwt', '--api-version', '62'], {
      SALESFORCE_LOGIN_URL: 'login.salesforce.com',
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('invalid settings, 5 problems');
    expect(r.stderr).toContain(
      '--login-url (SALESFORCE_LOGIN_URL): expected a URL (https://… or http://…) (got "login.salesforce.com")',
    );
    expect(r.stderr).toContain('--api-version (SALESFORCE_API_VERSION): expected an API version such as 62.0');
    expect(r.stderr).toContain('--client-id (SALESFORCE_CLIENT_ID): is required for --auth jwt (not set)');
    expect(r.stderr).toContain('--username (SALESFORCE_USERNAME): is required for --auth jwt');
    expect(r.stderr).toContain('--private-key-file (SALESFORCE_PRIVATE_KEY_FILE): is required for --auth jwt');
  });

  it('refuses client credentials at login.salesforce.com, and never echoes a secret', async () => {
    const r = await runInProcess(['salesforce', 'test-connection', '--auth', 'client_credentials'], {
      SALESFORCE_CLIENT_ID: 'x',
      SALESFORCE_CLIENT_SECRET: 'very-secret-value',
      SALESFORCE_PRIVATE_KEY_FILE: '/nonexistent.pem',
      SALESFORCE_AUTH: 'bogus',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("must be the org's My Domain URL for --auth client_credentials");
    expect(r.stderr).not.toContain('very-secret-value');
  });

  it('reports an unreadable or malformed private key file', async () => {
    const r = await runInProcess(
      ['salesforce', 'test-connection', '--auth', 'jwt', '--private-key-file', keyFile('not a key')],
      {
        SALESFORCE_CLIENT_ID: 'x',
        SALESFORCE_USERNAME: 'u@example.com',
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a PEM private key');
  });
});
