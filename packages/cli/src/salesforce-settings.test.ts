import { describe, expect, it } from 'vitest';
import { CliExit, type CliIo } from './io.ts';
import { readSalesforceSettings } from './salesforce-settings.ts';
import { SettingsReader } from './settings.ts';

const io: CliIo = {
  stdout: () => {},
  stderr: () => {},
  readFile: async () => {
    throw new Error('ENOENT');
  },
  env: {},
};

async function target(options: Record<string, unknown>, env: Record<string, string> = {}) {
  const reader = new SettingsReader(options, env);
  const result = await readSalesforceSettings(reader, io, options);
  reader.done();
  return result;
}

const PASSWORD = { username: 'u@acme.com', password: 'p' };

describe('readSalesforceSettings', () => {
  it('logs in at production by default, at test.salesforce.com with --sandbox', async () => {
    expect((await target(PASSWORD))?.loginUrl).toBe('https://login.salesforce.com');
    expect((await target({ ...PASSWORD, sandbox: true }))?.loginUrl).toBe('https://test.salesforce.com');
  });

  it('logs in at the instance (My Domain, Government Cloud) when no login URL is given', async () => {
    const t = await target({ ...PASSWORD, instanceUrl: 'https://acme.my.salesforce.mil/' });
    expect(t?.loginUrl).toBe('https://acme.my.salesforce.mil');
    expect(t?.connection.instanceUrl).toBe('https://acme.my.salesforce.mil');
  });

  it('accepts client credentials at a My Domain URL, from the writer’s variables', async () => {
    const t = await target(
      {},
      {
        SALESFORCE_AUTH: 'client_credentials',
        SALESFORCE_LOGIN_URL: 'https://acme.my.salesforce.com',
        SALESFORCE_CLIENT_ID: 'id',
        SALESFORCE_CLIENT_SECRET: 'secret',
      },
    );
    expect(t?.connection.auth).toEqual({ kind: 'client-credentials', clientId: 'id', clientSecret: 'secret' });
    expect(t?.mode).toBe('client_credentials');
  });

  it('says the token was given only when it was', async () => {
    expect((await target(PASSWORD))?.tokenGiven).toBe(false);
    expect((await target({ ...PASSWORD, securityToken: 't' }))?.tokenGiven).toBe(true);
  });

  it('reports a private key file it cannot read', async () => {
    await expect(
      target({ auth: 'jwt', clientId: 'id', username: 'u@acme.com', privateKeyFile: '/missing.pem' }),
    ).rejects.toThrow(CliExit);
  });
});
