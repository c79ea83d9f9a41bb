import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { InfraError } from './infra-error.ts';
import { poll, run, tail } from './internal/run.ts';
import { exchange, type HostPort } from './internal/tcp.ts';

/** Host and port of a `redis://` URL (default port 6379). */
export function redisAddress(url: string): HostPort {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || 6379) };
}

/**
 * True when a Redis server answers `PING` (a `-NOAUTH` or `-ERR` answer still proves it is Redis).
 */
export async function redisAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  try {
    const answer = await exchange(redisAddress(url), Buffer.from('PING\r\n'), (b) => b.includes('\r\n'), timeoutMs);
    return answer.toString().startsWith('+PONG') || answer.toString().startsWith('-');
  } catch {
    return false;
  }
}

// The machine's own Redis, started the way the machine starts it: no persistence, loopback only.
const REDIS_ARGS = ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', ''];
REDIS_ARGS.push('--appendonly', 'no', '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log');

/** Starts the machine's Redis on 127.0.0.1:6379 and waits until it answers. */
export async function startLocalRedis(url: string, log: (line: string) => void): Promise<void> {
  log('infra: Redis is down; starting the machine’s redis-server');
  for (const dir of ['/var/lib/redis', '/var/log/redis']) {
    if (!existsSync(dir)) await mkdir(dir, { recursive: true });
  }
  let result: Awaited<ReturnType<typeof run>>;
  try {
    result = await run('redis-server', REDIS_ARGS, { timeoutMs: 30_000 });
  } catch (error) {
    throw new InfraError('Redis is not running and `redis-server` could not be run (apt-get install redis-server).', {
      cause: error,
    });
  }
  if (result.code !== 0) throw new InfraError(`redis-server failed to start:\n${tail(result.output)}`);
  if (!(await poll(() => redisAnswers(url), 15_000))) {
    throw new InfraError('redis-server started but does not answer PING; see /var/log/redis/ci.log');
  }
}

/** Stops the Redis that `startLocalRedis` started (it keeps nothing on disk). */
export async function stopLocalRedis(url: string): Promise<void> {
  await exchange(redisAddress(url), Buffer.from('SHUTDOWN NOSAVE\r\n'), () => false, 5_000).catch(() => undefined);
  await poll(async () => !(await redisAnswers(url)), 10_000);
}
