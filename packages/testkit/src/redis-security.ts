import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onFreePort } from '@provision/infra';
import { Redis } from 'ioredis';
import { waitFor } from './wait-for.ts';

/** A Redis ACL user that may touch only the keys under one prefix. */
export interface RestrictedRedisUser {
  /** `REDIS_URL` with the user and password in it. */
  url: string;
  username: string;
  /** Deletes the user. */
  cleanup(): Promise<void>;
}

/**
 * The ACL docs/security.md recommends for a service: its own key prefix only, the data, script and
 * transaction commands, nothing administrative (`-@dangerous`: no FLUSHALL, KEYS, CONFIG, DEBUG…).
 */
export const SERVICE_REDIS_ACL = [
  'resetchannels',
  '-@all',
  '+@read',
  '+@write',
  '+@scripting',
  '+@transaction',
  '+@connection',
  '-@dangerous',
];

/** Creates a user on the Redis of `adminUrl` restricted to `prefix*`; removed by `cleanup()`. */
export async function createRestrictedRedisUser(adminUrl: string, prefix: string): Promise<RestrictedRedisUser> {
  const username = `provtest-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(16).toString('hex');
  const admin = new Redis(adminUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
  try {
    await admin.call('ACL', 'SETUSER', username, 'reset', 'on', `>${password}`, `~${prefix}*`, ...SERVICE_REDIS_ACL);
  } finally {
    admin.disconnect();
  }
  const url = new URL(adminUrl);
  url.username = username;
  url.password = password;
  return {
    url: url.toString(),
    username,
    async cleanup() {
      const a = new Redis(adminUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await a.connect();
      try {
        await a.call('ACL', 'DELUSER', username);
      } finally {
        a.disconnect();
      }
    },
  };
}

/** A throw-away redis-server speaking only TLS, with a CA made for it. */
export interface TlsRedis {
  /** `rediss://127.0.0.1:<port>` (the default user, no password). */
  url: string;
  /** PEM of the CA that signed the server's certificate. */
  caFile: string;
  stop(): Promise<void>;
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args[0]} exited ${code}`))));
  });
}

/**
 * Starts `redis-server` with only a TLS port (the machine's Redis must be built with TLS, as
 * Debian's is) and a certificate for 127.0.0.1 signed by a CA made with openssl.
 */
export async function startTlsRedis(): Promise<TlsRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'provision-tls-redis-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run(
    'openssl',
    ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=provision test CA'],
    dir,
  );
  await run(
    'openssl',
    ['req', '-new', ...ec, '-keyout', 'redis.key', '-out', 'redis.csr', '-subj', '/CN=localhost'],
    dir,
  );
  writeFileSync(join(dir, 'redis.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await run(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      'redis.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'redis.pem',
      '-days',
      '2',
      '-extfile',
      'redis.ext',
    ],
    dir,
  );
  // redis-server is told its port on its command line: when another process took it in between,
  // it exits saying so, and starts again on another port.
  try {
    return await onFreePort((port) => serveTls(dir, port));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** redis-server on `port` with the certificates in `dir`, once it answers over TLS; killed if it does not. */
async function serveTls(dir: string, port: number): Promise<TlsRedis> {
  const server = spawn(
    'redis-server',
    [
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--tls-cert-file',
      'redis.pem',
      '--tls-key-file',
      'redis.key',
    ].concat([
      '--tls-ca-cert-file',
      'ca.pem',
      '--tls-auth-clients',
      'no',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ]),
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Its last words, for the error when it exits (e.g. `bind: Address already in use`).
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-2_000);
  };
  server.stdout.on('data', keep);
  server.stderr.on('data', keep);
  let exited = false;
  server.on('exit', () => {
    exited = true;
  });
  const kill = async () => {
    if (!exited) server.kill('SIGKILL');
    await waitFor(() => exited, { timeout: 5_000, message: 'redis-server to exit' }).catch(() => undefined);
  };
  const stop = async () => {
    await kill();
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `rediss://127.0.0.1:${port}`;
  const caFile = join(dir, 'ca.pem');
  try {
    await waitFor(
      async () => {
        if (exited) return true;
        const probe = new Redis(url, {
          tls: { ca: [readFileSync(caFile)] },
          lazyConnect: true,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        });
        probe.on('error', () => undefined);
        try {
          await probe.connect();
          return (await probe.ping()) === 'PONG';
        } catch {
          return false;
        } finally {
          probe.disconnect();
        }
      },
      { timeout: 10_000, message: 'the TLS redis-server to answer' },
    );
    if (exited) throw new Error(`redis-server exited (built without TLS?):\n${output.trim()}`);
  } catch (error) {
    await kill();
    throw error;
  }
  return { url, caFile, stop };
}
