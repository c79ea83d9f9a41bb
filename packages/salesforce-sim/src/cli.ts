#!/usr/bin/env node
// `pnpm sim:salesforce [--port 0] [--https] [--org file.json] [--model instant|realistic]`: starts the simulator, prints one JSON
// line with its address and credentials, and serves until stopped.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { profileByName } from './model.ts';
import type { OrgSeed } from './seed.ts';
import { startSalesforceSim } from './server.ts';

// `pnpm run x -- --port 0` passes the `--` on; drop it.
const argv = process.argv.slice(2);
if (argv[0] === '--') argv.shift();
const options = {
  port: { type: 'string', default: '0' },
  host: { type: 'string', default: '127.0.0.1' },
  https: { type: 'boolean', default: false },
  org: { type: 'string' },
  log: { type: 'boolean', default: false },
  // The performance model: `instant` (no cost) or `realistic` (README, "Performance model").
  model: { type: 'string', default: process.env['SALESFORCE_SIM_MODEL'] ?? 'instant' },
} as const;
let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof options; strict: true }>>['values'];
try {
  ({ values } = parseArgs({ args: argv, options, strict: true }));
} catch (error) {
  process.stderr.write(
    `${(error as Error).message}\nusage: sim:salesforce [--port 0] [--https] [--org file.json] [--host 127.0.0.1] [--log] [--model instant|realistic]\n`,
  );
  process.exit(2);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be an integer 0..65535, got '${values.port}'\n`);
  process.exit(2);
}
const model = profileByName(values.model);
if (typeof model === 'string') {
  process.stderr.write(`--model (or SALESFORCE_SIM_MODEL): ${model}\n`);
  process.exit(2);
}
let org: OrgSeed | undefined;
if (values.org) {
  try {
    org = JSON.parse(readFileSync(values.org, 'utf8')) as OrgSeed;
  } catch (error) {
    process.stderr.write(`--org ${values.org}: ${(error as Error).message}\n`);
    process.exit(2);
  }
}

const sim = await startSalesforceSim({
  port,
  host: values.host,
  https: values.https,
  logger: values.log,
  model: values.model,
  ...(org ? { org } : {}),
});
// Key material goes to files so that the JSON line stays one line and tools can point at paths.
const dir = mkdtempSync(join(tmpdir(), 'salesforce-sim-'));
const privateKeyPath = join(dir, 'connected-app.key');
const certificatePath = join(dir, 'connected-app.crt');
if (sim.credentials.privateKey) writeFileSync(privateKeyPath, sim.credentials.privateKey, { mode: 0o600 });
writeFileSync(certificatePath, sim.credentials.certificate);
let caCertificatePath: string | undefined;
if (sim.caCertificate) {
  caCertificatePath = join(dir, 'server-ca.crt');
  writeFileSync(caCertificatePath, sim.caCertificate);
}
const c = sim.credentials;
process.stdout.write(
  `${JSON.stringify({
    url: sim.url,
    loginUrl: sim.loginUrl,
    username: c.username,
    password: c.password,
    securityToken: c.securityToken,
    orgId: c.orgId,
    userId: c.userId,
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    privateKeyPath: sim.credentials.privateKey ? privateKeyPath : undefined,
    certificatePath,
    tokenUrl: `${sim.loginUrl}/services/oauth2/token`,
    jwtAudience: sim.loginUrl,
    caCertificatePath,
    adminUrl: `${sim.url}/__admin`,
  })}\n`,
);

const stop = async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
