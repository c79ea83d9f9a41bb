import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Apache Kafka version run locally and in CI: the newest 4.x that Maven Central served when it was
 * chosen (checked with `mvn dependency:tree` on a throw-away POM asking for `[4.0.0,5.0.0)`).
 * Pinned rather than a range so that every run uses the same broker and needs no network once cached.
 */
export const KAFKA_VERSION = '4.4.0';
/** The log4j2 SLF4J binding: Kafka 4 logs through SLF4J 1.7 to log4j2 2.25.5 (what kafka-server 4.4.0 brings). */
export const LOG4J_VERSION = '2.25.5';

/** Connection settings of the three servers, in the variables every service and test reads. */
export interface ConnectionSettings {
  KAFKA_BROKERS: string;
  REDIS_URL: string;
  DATABASE_URL: string;
}

export const DEFAULT_SETTINGS: Readonly<ConnectionSettings> = Object.freeze({
  KAFKA_BROKERS: '127.0.0.1:9092',
  REDIS_URL: 'redis://127.0.0.1:6379',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
});

/** The local broker's listeners. */
export const KAFKA_LISTENER = { host: '127.0.0.1', port: 9092 } as const;
export const KAFKA_CONTROLLER = { host: '127.0.0.1', port: 9093 } as const;

/** Where things live: state in the repository's `.infra/` (gitignored), jars in the user's cache. */
export interface InfraPaths {
  /** Repository root. */
  root: string;
  /** `.infra/kafka`: storage, configuration, pid file, `server.log`. */
  kafkaDir: string;
  /** Cache of resolved jars, outside the repository so that clean clones reuse it. */
  jarCacheDir: string;
}

const repoRoot = resolve(import.meta.dirname, '../../..');

/** Resolves the paths, honouring `PROVISION_INFRA_DIR` and `PROVISION_CACHE_DIR` / `XDG_CACHE_HOME`. */
export function infraPaths(env: NodeJS.ProcessEnv = process.env): InfraPaths {
  const infraDir = env['PROVISION_INFRA_DIR'] ?? join(repoRoot, '.infra');
  const cacheBase = env['PROVISION_CACHE_DIR'] ?? join(env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'provision');
  return {
    root: repoRoot,
    kafkaDir: join(infraDir, 'kafka'),
    jarCacheDir: join(cacheBase, `kafka-${KAFKA_VERSION}`),
  };
}

/** Which settings the environment already provides: those servers are someone else's to run. */
export function providedSettings(env: NodeJS.ProcessEnv = process.env): Partial<ConnectionSettings> {
  const provided: Partial<ConnectionSettings> = {};
  for (const name of ['KAFKA_BROKERS', 'REDIS_URL', 'DATABASE_URL'] as const) {
    const value = env[name]?.trim();
    if (value) provided[name] = value;
  }
  return provided;
}
