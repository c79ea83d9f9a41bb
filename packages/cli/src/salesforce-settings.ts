import { createPrivateKey } from 'node:crypto';
import type { SalesforceAuth, SalesforceConnectionOptions } from '@provision/salesforce';
import type { Command } from 'commander';
import type { CliIo } from './io.ts';
import type { Setting, SettingsReader } from './settings.ts';

/** The Salesforce settings, with the writer's variable names as fallbacks. */
export const SALESFORCE = {
  auth: { flag: '--auth', env: ['SALESFORCE_AUTH'] },
  loginUrl: { flag: '--login-url', env: ['SALESFORCE_LOGIN_URL'] },
  instanceUrl: { flag: '--instance-url', env: ['SALESFORCE_INSTANCE_URL'] },
  username: { flag: '--username', env: ['SALESFORCE_USERNAME'] },
  password: { flag: '--password', env: ['SALESFORCE_PASSWORD'], secret: true },
  securityToken: { flag: '--security-token', env: ['SALESFORCE_SECURITY_TOKEN'], secret: true },
  clientId: { flag: '--client-id', env: ['SALESFORCE_CLIENT_ID'] },
  clientSecret: { flag: '--client-secret', env: ['SALESFORCE_CLIENT_SECRET'], secret: true },
  privateKeyFile: { flag: '--private-key-file', env: ['SALESFORCE_PRIVATE_KEY_FILE'] },
  apiVersion: { flag: '--api-version', env: ['SALESFORCE_API_VERSION'] },
} as const satisfies Record<string, Setting>;

/** Adds the Salesforce connection flags to a command. */
export function salesforceOptions(command: Command): Command {
  return command
    .option('--auth <mode>', 'password | jwt | client_credentials (env SALESFORCE_AUTH; default password)')
    .option(
      '--login-url <url>',
      'where to log in: https://login.salesforce.com (production, the default), https://test.salesforce.com (sandbox), ' +
        'a My Domain such as https://acme.my.salesforce.com, or a Government Cloud domain (env SALESFORCE_LOGIN_URL)',
    )
    .option(
      '--instance-url <url>',
      "the org's tenant URL; used for the login when --login-url is not given (env SALESFORCE_INSTANCE_URL)",
    )
    .option('--sandbox', 'log in at https://test.salesforce.com when no URL is given')
    .option('--username <username>', 'the integration user (password, jwt) (env SALESFORCE_USERNAME)')
    .option(
      '--password <password>',
      'its password (env SALESFORCE_PASSWORD; prefer the variable: flags show in process lists)',
    )
    .option('--security-token <token>', 'its security token, appended to the password (env SALESFORCE_SECURITY_TOKEN)')
    .option('--client-id <id>', "the connected app's consumer key (jwt, client_credentials) (env SALESFORCE_CLIENT_ID)")
    .option(
      '--client-secret <secret>',
      "the connected app's consumer secret (client_credentials) (env SALESFORCE_CLIENT_SECRET)",
    )
    .option(
      '--private-key-file <path>',
      "PEM key of the connected app's certificate (jwt) (env SALESFORCE_PRIVATE_KEY_FILE)",
    )
    .option('--api-version <version>', 'Salesforce API version, e.g. 62.0 (env SALESFORCE_API_VERSION)');
}

/** What was configured, for messages (never a secret). */
export interface SalesforceTarget {
  readonly connection: SalesforceConnectionOptions;
  readonly mode: 'password' | 'jwt' | 'client_credentials';
  readonly loginUrl: string;
  readonly tokenGiven: boolean;
}

const LOGIN_HOSTS = new Set(['login.salesforce.com', 'test.salesforce.com']);

/**
 * Reads the Salesforce settings, recording every problem in `reader` (the caller calls `done()`).
 * Returns undefined when a problem makes a connection impossible.
 */
export async function readSalesforceSettings(
  reader: SettingsReader,
  io: CliIo,
  options: { readonly sandbox?: boolean },
): Promise<SalesforceTarget | undefined> {
  const mode = reader.choice(
    SALESFORCE.auth,
    ['password', 'jwt', 'client_credentials', 'client-credentials'],
    'password',
  );
  const normalized = mode === 'client-credentials' ? 'client_credentials' : mode;
  const protocols = ['https:', 'http:'];
  const loginUrl = reader.url(SALESFORCE.loginUrl, protocols);
  const instanceUrl = reader.url(SALESFORCE.instanceUrl, protocols);
  const version = reader.text(SALESFORCE.apiVersion);
  if (version !== undefined && !/^\d{2,3}\.0$/.test(version))
    reader.problem(SALESFORCE.apiVersion, 'expected an API version such as 62.0');
  const why = `for --auth ${normalized}`;
  let auth: SalesforceAuth | undefined;
  if (normalized === 'password') {
    const username = reader.text(SALESFORCE.username, why);
    const password = reader.text(SALESFORCE.password, why);
    const securityToken = reader.text(SALESFORCE.securityToken);
    if (username !== undefined && password !== undefined) {
      auth = { kind: 'password', username, password, ...(securityToken ? { securityToken } : {}) };
    }
  } else if (normalized === 'jwt') {
    const clientId = reader.text(SALESFORCE.clientId, why);
    const username = reader.text(SALESFORCE.username, why);
    const keyFile = reader.text(SALESFORCE.privateKeyFile, why);
    const privateKey = keyFile === undefined ? undefined : await readPrivateKey(reader, io, keyFile);
    if (clientId !== undefined && username !== undefined && privateKey !== undefined) {
      auth = { kind: 'jwt', clientId, username, privateKey };
    }
  } else {
    const clientId = reader.text(SALESFORCE.clientId, why);
    const clientSecret = reader.text(SALESFORCE.clientSecret, why);
    const domain = loginUrl ?? instanceUrl;
    if (domain === undefined || LOGIN_HOSTS.has(new URL(domain).hostname)) {
      reader.problem(
        SALESFORCE.loginUrl,
        `must be the org's My Domain URL ${why} (https://<name>.my.salesforce.com): login.salesforce.com and test.salesforce.com refuse this flow`,
      );
    } else if (clientId !== undefined && clientSecret !== undefined) {
      auth = { kind: 'client-credentials', clientId, clientSecret };
    }
  }
  if (auth === undefined) return undefined;
  const connection: SalesforceConnectionOptions = {
    auth,
    ...(loginUrl ? { loginUrl } : {}),
    ...(instanceUrl ? { instanceUrl } : {}),
    ...(options.sandbox ? { environment: 'sandbox' as const } : {}),
    ...(version ? { version } : {}),
  };
  const { resolveLoginUrl } = await import('@provision/salesforce');
  return {
    connection,
    mode: normalized,
    loginUrl: resolveLoginUrl(connection),
    tokenGiven: auth.kind === 'password' && auth.securityToken !== undefined,
  };
}

async function readPrivateKey(reader: SettingsReader, io: CliIo, path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await io.readFile(path);
  } catch (e) {
    reader.problem(SALESFORCE.privateKeyFile, `cannot be read: ${(e as Error).message}`);
    return undefined;
  }
  try {
    createPrivateKey(text);
    return text;
  } catch {
    reader.problem(SALESFORCE.privateKeyFile, 'is not a PEM private key (-----BEGIN PRIVATE KEY----- …)');
    return undefined;
  }
}
