import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { generate } from 'selfsigned';

/** A CA and a server certificate it signed, all PEM. */
export interface SimCertificates {
  readonly caCert: string;
  readonly caCertPath: string;
  readonly key: string;
  readonly cert: string;
}

const DAY = 24 * 60 * 60 * 1000;

/**
 * Creates (or, when `dir` already holds one, reuses) a private CA and signs a server certificate for
 * `hosts`. Reusing the CA lets a long-lived `NODE_EXTRA_CA_CERTS` survive simulator restarts.
 */
export async function ensureCertificates(dir: string, hosts: readonly string[]): Promise<SimCertificates> {
  await mkdir(dir, { recursive: true });
  const caCertPath = join(dir, 'graph-sim-ca.pem');
  const caKeyPath = join(dir, 'graph-sim-ca.key');
  let ca: { cert: string; key: string };
  if (existsSync(caCertPath) && existsSync(caKeyPath)) {
    ca = { cert: await readFile(caCertPath, 'utf8'), key: await readFile(caKeyPath, 'utf8') };
  } else {
    const now = Date.now();
    // A unique subject per CA: a trust store holding two CAs with one name fails signature checks.
    const name = `Provision graph-sim local CA ${randomBytes(4).toString('hex')}`;
    const generated = await generate([{ name: 'commonName', value: name }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: new Date(now - DAY),
      notAfterDate: new Date(now + 3650 * DAY),
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      ],
    });
    ca = { cert: generated.cert, key: generated.private };
    await writeFile(caKeyPath, ca.key, { mode: 0o600 });
    await writeFile(caCertPath, ca.cert);
  }
  const now = Date.now();
  const server = await generate([{ name: 'commonName', value: hosts[0] ?? 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - DAY),
    notAfterDate: new Date(now + 365 * DAY),
    ca,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: hosts.map((host) =>
          /^[\d.]+$|:/.test(host) ? { type: 7 as const, ip: host } : { type: 2 as const, value: host },
        ),
      },
    ],
  });
  return { caCert: ca.cert, caCertPath, key: server.private, cert: server.cert };
}

/**
 * Adds a CA to this process's default trust store (what `fetch`, `https` and MSAL use), for tests and
 * tools that start the simulator in-process, where `NODE_EXTRA_CA_CERTS` (read only at start-up) is too late.
 */
export function trustCertificate(pem: string): void {
  const current = getCACertificates('default');
  if (current.includes(pem)) return;
  setDefaultCACertificates([...current, pem]);
}
