import { readdirSync } from 'node:fs';
import { InfraError } from './infra-error.ts';
import { poll, run, tail } from './internal/run.ts';
import { exchange, type HostPort } from './internal/tcp.ts';

/** Host and port of a `postgres://` URL (default port 5432). */
export function postgresAddress(url: string): HostPort {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(parsed.port || 5432) };
}

// SSLRequest: length 8, code 80877103. A PostgreSQL server answers one byte, 'S' or 'N'.
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/** True when a PostgreSQL server answers the protocol's SSLRequest. */
export async function postgresAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  try {
    const answer = await exchange(postgresAddress(url), SSL_REQUEST, (b) => b.length >= 1, timeoutMs);
    return answer[0] === 0x53 || answer[0] === 0x4e;
  } catch {
    return false;
  }
}

/** The newest cluster version under /etc/postgresql (Debian's layout). */
function clusterVersion(): string {
  let versions: string[];
  try {
    versions = readdirSync('/etc/postgresql');
  } catch (error) {
    throw new InfraError('PostgreSQL is not running and no Debian cluster exists under /etc/postgresql.', {
      cause: error,
    });
  }
  const newest = versions.sort((a, b) => Number(a) - Number(b)).at(-1);
  if (!newest) throw new InfraError('PostgreSQL is not running and /etc/postgresql holds no cluster.');
  return newest;
}

async function pgCtlCluster(action: 'start' | 'stop'): Promise<void> {
  const args = ['--skip-systemctl-redirect', clusterVersion(), 'main', action];
  let result: Awaited<ReturnType<typeof run>>;
  try {
    result = await run('pg_ctlcluster', args, { timeoutMs: 60_000 });
  } catch (error) {
    throw new InfraError('`pg_ctlcluster` could not be run (apt-get install postgresql).', { cause: error });
  }
  if (result.code !== 0) throw new InfraError(`pg_ctlcluster ${args.join(' ')} failed:\n${tail(result.output)}`);
}

/** Starts the machine's PostgreSQL cluster and waits until it answers. */
export async function startLocalPostgres(url: string, log: (line: string) => void): Promise<void> {
  log('infra: PostgreSQL is down; starting the machine’s cluster with pg_ctlcluster');
  await pgCtlCluster('start');
  if (!(await poll(() => postgresAnswers(url), 30_000))) {
    throw new InfraError('PostgreSQL started but does not answer on its port; see /var/log/postgresql/');
  }
}

/** Stops the PostgreSQL cluster that `startLocalPostgres` started. */
export async function stopLocalPostgres(): Promise<void> {
  await pgCtlCluster('stop');
}
