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
