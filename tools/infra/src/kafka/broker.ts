import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfraError } from '../infra-error.ts';
import { type ClusterMetadata, fetchClusterMetadata } from '../internal/kafka-wire.ts';
import { isAlive, poll, run, tail } from '../internal/run.ts';
import { isListening } from '../internal/tcp.ts';
import { type InfraPaths, KAFKA_CONTROLLER, KAFKA_LISTENER, KAFKA_VERSION } from '../settings.ts';
import { log4j2Properties, newClusterId, serverProperties } from './config-files.ts';
import { ensureKafkaJars } from './jars.ts';

const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

/** What is known about the local broker. */
export interface LocalKafkaState {
  /** The broker answered a Metadata request. */
  answering: boolean;
  metadata?: ClusterMetadata;
  /** Pid of the broker `infra up` started, when it is still alive. */
  pid?: number;
  logFile: string;
}

const files = (paths: InfraPaths) => ({
  pid: join(paths.kafkaDir, 'kafka.pid'),
  log: join(paths.kafkaDir, 'server.log'),
  data: join(paths.kafkaDir, 'data'),
  properties: join(paths.kafkaDir, 'server.properties'),
  log4j: join(paths.kafkaDir, 'log4j2.properties'),
  version: join(paths.kafkaDir, 'data.version'),
});

/** Our broker's pid, if the pid file names a live `kafka.Kafka` process (not a recycled pid). */
function ownBrokerPid(paths: InfraPaths): number | undefined {
  const pidFile = files(paths).pid;
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka')) return undefined;
  } catch {
    // No /proc (not Linux): trust the live pid.
  }
  return pid;
}

async function metadataOrUndefined(timeoutMs = 1_500): Promise<ClusterMetadata | undefined> {
  try {
    return await fetchClusterMetadata(KAFKA_LISTENER, timeoutMs);
  } catch {
    return undefined;
  }
}

/** Probes the local broker without starting anything. */
export async function localKafkaState(paths: InfraPaths): Promise<LocalKafkaState> {
  const metadata = await metadataOrUndefined();
  const pid = ownBrokerPid(paths);
  return {
    answering: metadata !== undefined,
    ...(metadata ? { metadata } : {}),
    ...(pid ? { pid } : {}),
    logFile: files(paths).log,
  };
}

/** Fails with a clear message unless Java 17 or newer runs. */
export async function checkJava(): Promise<void> {
  let result: Awaited<ReturnType<typeof run>>;
  try {
    result = await run('java', ['-version'], { timeoutMs: 30_000 });
  } catch (error) {
    throw new InfraError('Java 17 or newer is needed to run the Kafka broker, and `java` could not be run.', {
      cause: error,
    });
  }
  const major = Number(/version "(\d+)/.exec(result.output)?.[1] ?? 0);
  if (major < 17)
    throw new InfraError(`Kafka ${KAFKA_VERSION} needs Java 17 or newer; \`java -version\` says:\n${result.output}`);
}

/** Formats the storage when it is new, or when it was formatted by another Kafka version. */
async function ensureFormatted(paths: InfraPaths, libs: string, log: (line: string) => void): Promise<void> {
  const f = files(paths);
  const formattedBy = existsSync(f.version) ? (await readFile(f.version, 'utf8')).trim() : undefined;
  if (existsSync(join(f.data, 'meta.properties')) && formattedBy === KAFKA_VERSION) return;
  if (formattedBy !== undefined && formattedBy !== KAFKA_VERSION) {
    log(
      `infra: storage was formatted by Kafka ${formattedBy}; reformatting for ${KAFKA_VERSION} (local data is disposable)`,
    );
  }
  await rm(f.data, { recursive: true, force: true });
  await mkdir(f.data, { recursive: true });
  const clusterId = newClusterId();
  const args = ['-cp', join(libs, '*'), `-Dlog4j2.configurationFile=${f.log4j}`, 'kafka.tools.StorageTool'];
  args.push('format', '-t', clusterId, '-c', f.properties);
  const result = await run('java', args, { timeoutMs: 120_000 });
  if (result.code !== 0) throw new InfraError(`Formatting the Kafka storage failed:\n${tail(result.output)}`);
  await writeFile(f.version, `${KAFKA_VERSION}\n`);
  log(`infra: formatted Kafka storage in ${f.data} (cluster ${clusterId})`);
}

/**
 * Starts the local broker unless one already answers on 127.0.0.1:9092, and waits until it answers
 * a Metadata request. Fails with the tail of `server.log` when the broker exits or never answers.
 */
export async function startLocalKafka(paths: InfraPaths, log: (line: string) => void): Promise<LocalKafkaState> {
  await mkdir(paths.kafkaDir, { recursive: true });
  // Two `up`s at once (two test processes, say): one starts the broker, the other waits for it.
  const lock = join(paths.kafkaDir, 'start.lock');
  for (;;) {
    try {
      await writeFile(lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
      if (!Number.isInteger(holder) || holder <= 0 || !isAlive(holder)) {
        await rm(lock, { force: true });
        continue;
      }
      log(`infra: another process (pid ${holder}) is starting Kafka; waiting`);
      await poll(() => !existsSync(lock), START_TIMEOUT_MS + 60_000, 250);
    }
  }
  try {
    return await startUnlocked(paths, log);
  } finally {
    await rm(lock, { force: true });
  }
}

async function startUnlocked(paths: InfraPaths, log: (line: string) => void): Promise<LocalKafkaState> {
  const before = await localKafkaState(paths);
  if (before.answering) {
    log(
      `infra: Kafka already answers on ${KAFKA_LISTENER.host}:${KAFKA_LISTENER.port}${before.pid ? ` (pid ${before.pid})` : ''}`,
    );
    return before;
  }
  if (before.pid) {
    // Our broker is alive but not answering yet: a previous `up` may still be starting it.
    log(`infra: Kafka (pid ${before.pid}) is starting; waiting for it`);
    return waitUntilAnswering(paths, before.pid);
  }
  for (const address of [KAFKA_LISTENER, KAFKA_CONTROLLER]) {
    if (await isListening(address)) {
      throw new InfraError(
        `Port ${address.port} on ${address.host} is taken by something that does not answer as a Kafka broker; ` +
          'stop it, or set KAFKA_BROKERS to a broker you run yourself.',
      );
    }
  }
  await checkJava();
  const f = files(paths);
  const libs = await ensureKafkaJars(paths.jarCacheDir, log);
  await mkdir(paths.kafkaDir, { recursive: true });
  await writeFile(f.properties, serverProperties(f.data));
  await writeFile(f.log4j, log4j2Properties());
  await ensureFormatted(paths, libs, log);

  log(`infra: starting Kafka ${KAFKA_VERSION} (log: ${f.log})`);
  const out = openSync(f.log, 'a');
  const jvm = ['-Xms256m', '-Xmx1g', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true'];
  jvm.push(`-Dlog4j2.configurationFile=${f.log4j}`, `-Dkafka.logs.dir=${paths.kafkaDir}`);
  const child = spawn('java', [...jvm, '-cp', join(libs, '*'), 'kafka.Kafka', f.properties], {
    cwd: paths.kafkaDir,
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new InfraError('Could not launch `java` for the Kafka broker.');
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  child.unref();
  await writeFile(f.pid, `${pid}\n`);
  return waitUntilAnswering(paths, pid, () => exited);
}

async function waitUntilAnswering(
  paths: InfraPaths,
  pid: number,
  exited: () => boolean = () => false,
): Promise<LocalKafkaState> {
  const f = files(paths);
  let metadata: ClusterMetadata | undefined;
  const ready = await poll(
    async () => {
      metadata = await metadataOrUndefined(1_000);
      return metadata !== undefined || exited() || !isAlive(pid);
    },
    START_TIMEOUT_MS,
    250,
  );
  if (metadata) return { answering: true, metadata, pid, logFile: f.log };
  const logTail = existsSync(f.log) ? tail(await readFile(f.log, 'utf8'), 20) : '(no log)';
  const why = ready ? 'exited' : `did not answer within ${START_TIMEOUT_MS / 1000} s`;
  throw new InfraError(`The Kafka broker ${why}. Last lines of ${f.log}:\n${logTail}`);
}

/**
 * Stops the broker `infra up` started: SIGTERM (Kafka's controlled shutdown), then waits; SIGKILL
 * only if it is still alive after 30 s. Returns whether a broker was stopped.
 */
export async function stopLocalKafka(paths: InfraPaths, log: (line: string) => void): Promise<boolean> {
  const f = files(paths);
  const pid = ownBrokerPid(paths);
  if (pid === undefined) {
    await rm(f.pid, { force: true });
    if (await metadataOrUndefined()) {
      log(`infra: a Kafka broker answers on ${KAFKA_LISTENER.port} but was not started by \`infra up\`; leaving it`);
    }
    return false;
  }
  log(`infra: stopping Kafka (pid ${pid})`);
  process.kill(pid, 'SIGTERM');
  if (!(await poll(() => !isAlive(pid), STOP_TIMEOUT_MS, 200))) {
    log(`infra: Kafka did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing it`);
    process.kill(pid, 'SIGKILL');
    await poll(() => !isAlive(pid), 10_000, 100);
  }
  await rm(f.pid, { force: true });
  return true;
}
