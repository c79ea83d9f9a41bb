import { execFileSync } from 'node:child_process';
import { quietKafkajsTimeoutWarning } from '@provision/kafkajs-quiet';
import { Kafka, logLevel } from 'kafkajs';

/**
 * Deletes the Kafka topics of one run (`<runId>.…`: its topics, retry and dead-letter topics). A
 * run's topics are never read again once it stopped (the next run has another id), and a broker
 * that keeps every run's partitions grows slower at everything (hundreds of runs of benchmarks,
 * chaos and the e2e suite leave thousands). Returns how many were deleted; best effort.
 */
export async function deleteRunTopics(brokers: string, runId: string): Promise<number> {
  quietKafkajsTimeoutWarning();
  const kafka = new Kafka({
    clientId: 'provision-demo-cleanup',
    brokers: brokers.split(',').map((b) => b.trim()),
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${runId}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    return topics.length;
  } finally {
    await admin.disconnect();
  }
}

/** The audit schema of a run (`DATABASE_SCHEMA` of its audit service). */
export function auditSchemaOf(runId: string): string {
  return `audit_${runId}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/**
 * Removes what a stopped run leaves behind: its Kafka topics, its Redis keys (`<runId>:…`) and its
 * audit schema. Nothing reads them again (the next run has another id); left behind, they cost the
 * broker, Redis's memory and the database, not correctness, so each step is best effort.
 */
export async function removeRunData(
  runId: string,
  infra: { KAFKA_BROKERS: string; REDIS_URL: string; DATABASE_URL: string },
): Promise<void> {
  await deleteRunTopics(infra.KAFKA_BROKERS, runId).catch(() => 0);
  try {
    execFileSync(
      'sh',
      [
        '-c',
        `redis-cli -u "$1" --scan --pattern "$2*" | xargs -r -n 1000 redis-cli -u "$1" unlink >/dev/null`,
        'sh',
        infra.REDIS_URL,
        `${runId}:`,
      ],
      { stdio: 'ignore' },
    );
  } catch {
    // As above: best effort.
  }
  try {
    const sql = `DROP SCHEMA IF EXISTS ${auditSchemaOf(runId)} CASCADE`;
    execFileSync('psql', [infra.DATABASE_URL, '-q', '-c', sql], { stdio: 'ignore' });
  } catch {
    // As above.
  }
}
