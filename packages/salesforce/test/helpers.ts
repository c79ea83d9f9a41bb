import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { type SalesforceSim, type SalesforceSimOptions, startSalesforceSim } from '@provision/salesforce-sim';
import type { SalesforceConnectionOptions } from '../src/auth.ts';
import { JsforceSalesforceGateway } from '../src/index.ts';

/** Starts a simulator; over HTTPS its self-signed certificate is added to the trusted CAs of this process. */
export async function startSim(options: SalesforceSimOptions = {}): Promise<SalesforceSim> {
  const sim = await startSalesforceSim(options);
  if (sim.caCertificate) setDefaultCACertificates([...getCACertificates('default'), sim.caCertificate]);
  return sim;
}

/** A gateway logged in as the sim's admin with username + password + security token. */
export function passwordGateway(sim: SalesforceSim, extra: Partial<SalesforceConnectionOptions> = {}) {
  return new JsforceSalesforceGateway({
    loginUrl: sim.loginUrl,
    auth: {
      kind: 'password',
      username: sim.credentials.username,
      password: sim.credentials.password,
      securityToken: sim.credentials.securityToken,
    },
    ...extra,
  });
}

let n = 0;
/** A valid User record for the default org (Chatter Free User unless told). */
export function newUser(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  n++;
  const tag = `${Date.now().toString(36)}${n}`;
  return {
    Username: `user${tag}@provision-test.example.com`,
    LastName: `Last${n}`,
    FirstName: 'First',
    Email: `user${tag}@provision-test.example.com`,
    Alias: `u${n}`.slice(0, 8),
    TimeZoneSidKey: 'America/Los_Angeles',
    LocaleSidKey: 'en_US',
    EmailEncodingKey: 'UTF-8',
    LanguageLocaleKey: 'en_US',
    ProfileName: 'Chatter Free User',
    ...overrides,
  };
}
