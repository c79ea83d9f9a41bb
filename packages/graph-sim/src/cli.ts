import { parseArgs } from 'node:util';
import { startGraphSim } from './server.ts';

// `node packages/graph-sim/src/cli.ts [--port 0] [--users N] [--seed S] [--sign-in-password P]
// [--api-client-secret S] [--redirect-uri URI]… [--resource-units]`: prints one JSON line with the
// address and credentials, then serves until SIGINT/SIGTERM.
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'public-host': { type: 'string', default: 'localhost' },
    users: { type: 'string', default: '50' },
    groups: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'cert-dir': { type: 'string' },
    'client-secret': { type: 'string' },
    'allow-http-webhooks': { type: 'boolean', default: false },
    'sign-in-password': { type: 'string' },
    'api-client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    // Graph's resource-unit throttling by tenant size (also GRAPH_SIM_RESOURCE_UNITS=true).
    'resource-units': { type: 'boolean', default: process.env['GRAPH_SIM_RESOURCE_UNITS'] === 'true' },
  },
  strict: true,
});

const int = (name: string, raw: string | undefined): number | undefined => {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`graph-sim: --${name} must be a non-negative integer, got '${raw}'\n`);
    process.exit(2);
  }
  return n;
};

const sim = await startGraphSim({
  port: int('port', values.port) ?? 0,
  host: values.host,
  publicHost: values['public-host'],
  users: int('users', values.users) ?? 50,
  ...(values.groups === undefined ? {} : { groups: int('groups', values.groups) ?? 0 }),
  seed: int('seed', values.seed) ?? 1,
  ...(values['cert-dir'] === undefined ? {} : { certDir: values['cert-dir'] }),
  ...(values['client-secret'] === undefined ? {} : { clientSecret: values['client-secret'] }),
  allowHttpNotificationUrl: values['allow-http-webhooks'],
  resourceUnits: values['resource-units'],
  ...(values['sign-in-password'] === undefined ? {} : { signInPassword: values['sign-in-password'] }),
  ...(values['api-client-secret'] === undefined ? {} : { apiClientSecret: values['api-client-secret'] }),
  ...(values['redirect-uri'] === undefined ? {} : { redirectUris: values['redirect-uri'] }),
  trustInProcess: true,
});

process.stdout.write(
  `${JSON.stringify({
    url: sim.url,
    authorityHost: sim.authorityHost,
    tenantId: sim.tenantId,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    caCertPath: sim.caCertPath,
    servicePrincipalId: sim.servicePrincipalId,
    applicationId: sim.applicationId,
    signIn: sim.signIn,
  })}\n`,
);

const stop = async () => {
  await sim.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
