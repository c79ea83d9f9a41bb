import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { Connection } from 'jsforce';
import { type SalesforceSim, type SalesforceSimOptions, startSalesforceSim } from '../src/index.ts';

/** Starts a simulator; over HTTPS its self-signed certificate joins the CAs this process trusts. */
export async function startSim(options: SalesforceSimOptions = {}): Promise<SalesforceSim> {
  const sim = await startSalesforceSim(options);
  if (sim.caCertificate) setDefaultCACertificates([...getCACertificates('default'), sim.caCertificate]);
  return sim;
}

/** A jsforce connection logged in as the sim's admin through SOAP login(). */
export async function adminConnection(sim: SalesforceSim, version = '62.0'): Promise<Connection> {
  const conn = new Connection({ loginUrl: sim.loginUrl, version });
  await conn.login(sim.credentials.username, sim.credentials.password + sim.credentials.securityToken);
  return conn;
}

let n = 0;
/** A valid User for the default org, Chatter Free User unless told otherwise. */
export function userRecord(sim: SalesforceSim, overrides: Record<string, unknown> = {}, profile = 'Chatter Free User') {
  n++;
  const tag = `${process.pid.toString(36)}${Date.now().toString(36)}${n}`;
  const profileId = sim.admin.summary(sim.orgId).profiles.find((p) => p.name === profile)!.id;
  return {
    Username: `wire${tag}@sim-test.example.com`,
    LastName: `Last${n}`,
    Email: `wire${tag}@sim-test.example.com`,
    Alias: `w${n}`.slice(0, 8),
    TimeZoneSidKey: 'Europe/London',
    LocaleSidKey: 'en_GB',
    EmailEncodingKey: 'UTF-8',
    LanguageLocaleKey: 'en_US',
    ProfileId: profileId,
    ...overrides,
  };
}

/** Calls a function expected to throw and returns what it threw. */
export async function caught(fn: () => PromiseLike<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await fn();
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a failure');
}
