import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfraError } from './infra-error.ts';
import { fetchClusterMetadata } from './internal/kafka-wire.ts';
import { parseHostPort } from './internal/tcp.ts';
import { localKafkaState, startLocalKafka, stopLocalKafka } from './kafka/broker.ts';
import { postgresAnswers, startLocalPostgres, stopLocalPostgres } from './postgres.ts';
import { redisAnswers, startLocalRedis, stopLocalRedis } from './redis.ts';
import {
  type ConnectionSettings,
  DEFAULT_SETTINGS,
  type InfraPaths,
  infraPaths,
  KAFKA_VERSION,
  providedSettings,
} from './settings.ts';

/** Options shared by `up`, `down` and `status`. */
export interface InfraOptions {
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
  /** Environment to read `KAFKA_BROKERS`, `REDIS_URL`, `DATABASE_URL` from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  paths?: InfraPaths;
}

/** One server's state as `status` reports it. */
export interface ServerStatus {
  name: 'kafka' | 'redis' | 'postgres';
  variable: keyof ConnectionSettings;
  value: string;
  up: boolean;
  /** `provided` when the environment names it (never started or stopped here). */
  origin: 'provided' | 'local';
  detail: string;
}

const stderr = (line: string) => process.stderr.write(`${line}\n`);

function resolveOptions(options: InfraOptions) {
  const env = options.env ?? process.env;
  return { log: options.log ?? stderr, paths: options.paths ?? infraPaths(env), provided: providedSettings(env) };
}

// Which of the machine's servers `up` started, so that `down` stops those and nothing else.
const markerFile = (paths: InfraPaths) => join(paths.kafkaDir, '..', 'started.json');

function readMarker(paths: InfraPaths): { redis?: boolean; postgres?: boolean } {
  try {
    return JSON.parse(readFileSync(markerFile(paths), 'utf8')) as { redis?: boolean; postgres?: boolean };
  } catch {
    return {};
  }
}

async function writeMarker(paths: InfraPaths, marker: { redis?: boolean; postgres?: boolean }) {
  await mkdir(join(paths.kafkaDir, '..'), { recursive: true });
  await writeFile(markerFile(paths), `${JSON.stringify(marker)}\n`);
}

/** Asks each broker of a `host:port,host:port` list for metadata; returns the first answer. */
export async function probeKafka(brokers: string, timeoutMs = 2_000) {
  const errors: string[] = [];
  for (const entry of brokers.split(',')) {
    const address = parseHostPort(entry);
    if (!address) {
      errors.push(`${entry.trim()}: not host:port`);
      continue;
    }
    try {
      return await fetchClusterMetadata(address, timeoutMs);
    } catch (error) {
      errors.push(`${entry.trim()}: ${(error as Error).message}`);
    }
  }
  throw new InfraError(`No Kafka broker answered (${errors.join('; ')})`);
}

/**
 * Makes Kafka, Redis and PostgreSQL available and returns their connection settings. A server the
 * environment already names is only checked; otherwise the local one is used, or started.
 */
export async function up(options: InfraOptions = {}): Promise<ConnectionSettings> {
  const { log, paths, provided } = resolveOptions(options);
  const settings: ConnectionSettings = { ...DEFAULT_SETTINGS, ...provided };
  const marker = readMarker(paths);
  const problems: string[] = [];

  const kafka = (async () => {
    if (provided.KAFKA_BROKERS) await probeKafka(provided.KAFKA_BROKERS);
    else await startLocalKafka(paths, log);
  })();
  const redis = (async () => {
    if (await redisAnswers(settings.REDIS_URL)) return;
    if (provided.REDIS_URL) throw new InfraError(`REDIS_URL=${provided.REDIS_URL} does not answer PING`);
    await startLocalRedis(settings.REDIS_URL, log);
    marker.redis = true;
  })();
  const postgres = (async () => {
    if (await postgresAnswers(settings.DATABASE_URL)) return;
    if (provided.DATABASE_URL) throw new InfraError(`DATABASE_URL=${provided.DATABASE_URL} does not answer`);
    await startLocalPostgres(settings.DATABASE_URL, log);
    marker.postgres = true;
  })();
  for (const [name, outcome] of [
    ['Kafka', kafka],
    ['Redis', redis],
    ['PostgreSQL', postgres],
  ] as const) {
    try {
      await outcome;
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
    }
  }
  if (marker.redis || marker.postgres) await writeMarker(paths, marker);
  if (problems.length > 0) throw new InfraError(`infra up failed.\n${problems.join('\n')}`);
  return settings;
}

/** Stops what `up` started: the local broker, and Redis or PostgreSQL only if `up` had to start them. */
export async function down(options: InfraOptions = {}): Promise<void> {
  const { log, paths, provided } = resolveOptions(options);
  if (!provided.KAFKA_BROKERS && !(await stopLocalKafka(paths, log))) log('infra: no Kafka broker of ours was running');
  const marker = readMarker(paths);
  if (marker.redis && !provided.REDIS_URL) {
    log('infra: stopping the Redis that `infra up` started');
    await stopLocalRedis(DEFAULT_SETTINGS.REDIS_URL);
  }
  if (marker.postgres && !provided.DATABASE_URL) {
    log('infra: stopping the PostgreSQL that `infra up` started');
    await stopLocalPostgres();
  }
  if (existsSync(markerFile(paths))) await rm(markerFile(paths), { force: true });
}

/**
 * Restarts the local Kafka broker (a controlled shutdown, then a start on the same data): what an
 * operator's rolling restart or a broker crash looks like to the services. Refused when
 * `KAFKA_BROKERS` names a broker this project did not start.
 */
export async function restartKafka(options: InfraOptions = {}): Promise<void> {
  const { log, paths, provided } = resolveOptions(options);
  if (provided.KAFKA_BROKERS)
    throw new InfraError('KAFKA_BROKERS names a broker this project did not start: not restarting it');
  if (!(await stopLocalKafka(paths, log))) throw new InfraError('no Kafka broker of ours is running');
  await startLocalKafka(paths, log);
}

/** Reports each server without starting or stopping anything. */
export async function status(options: InfraOptions = {}): Promise<ServerStatus[]> {
  const { paths, provided } = resolveOptions(options);
  const settings: ConnectionSettings = { ...DEFAULT_SETTINGS, ...provided };
  const origin = (variable: keyof ConnectionSettings) => (provided[variable] ? 'provided' : 'local');

  const kafka = async (): Promise<ServerStatus> => {
    const base = { name: 'kafka', variable: 'KAFKA_BROKERS', value: settings.KAFKA_BROKERS } as const;
    if (provided.KAFKA_BROKERS) {
      try {
        const metadata = await probeKafka(provided.KAFKA_BROKERS);
        return { ...base, up: true, origin: 'provided', detail: `cluster ${metadata.clusterId}` };
      } catch (error) {
        return { ...base, up: false, origin: 'provided', detail: (error as Error).message };
      }
    }
    const state = await localKafkaState(paths);
    const owner = state.pid ? `pid ${state.pid}, log ${state.logFile}` : 'not started by infra up';
    if (state.answering) {
      const detail = `cluster ${state.metadata?.clusterId} (${owner}; infra runs Kafka ${KAFKA_VERSION})`;
      return { ...base, up: true, origin: 'local', detail };
    }
    return { ...base, up: false, origin: 'local', detail: state.pid ? `pid ${state.pid} not answering yet` : 'down' };
  };
  const simple = async (
    name: 'redis' | 'postgres',
    variable: 'REDIS_URL' | 'DATABASE_URL',
    answers: (url: string) => Promise<boolean>,
  ): Promise<ServerStatus> => {
    const isUp = await answers(settings[variable]);
    return {
      name,
      variable,
      value: settings[variable],
      up: isUp,
      origin: origin(variable),
      detail: isUp ? 'answers' : 'down',
    };
  };
  return Promise.all([
    kafka(),
    simple('redis', 'REDIS_URL', redisAnswers),
    simple('postgres', 'DATABASE_URL', postgresAnswers),
  ]);
}
