import { readFileSync } from 'node:fs';
import type { SalesforceAuth, SalesforceConnectionOptions } from '@provision/salesforce';
import type { WriterConfig } from '../config.ts';

/** The gateway's connection options from the writer's validated configuration. */
export function salesforceOptions(
  config: WriterConfig,
  readKey: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): SalesforceConnectionOptions {
  const auth: SalesforceAuth =
    config.SALESFORCE_AUTH === 'jwt'
      ? {
          kind: 'jwt',
          clientId: config.SALESFORCE_CLIENT_ID ?? '',
          username: config.SALESFORCE_USERNAME ?? '',
          privateKey: readKey(config.SALESFORCE_PRIVATE_KEY_FILE ?? ''),
        }
      : config.SALESFORCE_AUTH === 'client_credentials'
        ? {
            kind: 'client-credentials',
            clientId: config.SALESFORCE_CLIENT_ID ?? '',
            clientSecret: config.SALESFORCE_CLIENT_SECRET ?? '',
          }
        : {
            kind: 'password',
            username: config.SALESFORCE_USERNAME ?? '',
            password: config.SALESFORCE_PASSWORD ?? '',
            ...(config.SALESFORCE_SECURITY_TOKEN ? { securityToken: config.SALESFORCE_SECURITY_TOKEN } : {}),
          };
  return {
    auth,
    loginUrl: config.SALESFORCE_LOGIN_URL,
    ...(config.SALESFORCE_INSTANCE_URL ? { instanceUrl: config.SALESFORCE_INSTANCE_URL } : {}),
    version: config.SALESFORCE_API_VERSION,
  };
}
