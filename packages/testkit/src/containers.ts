import { KAFKA_VERSION, onFreePort } from '@provision/infra';
import { type ContainerRuntime, hasImage, OWNER_LABEL, ownerOf, removeOrphans } from './container-runtime.ts';

/**
 * The images: those docker-compose.yml runs (`./pnpmw containers build` builds them all locally
 * where no registry answers), so one set serves the sandbox and the tests.
 */
export const CONTAINER_IMAGES = {
  kafka: `apache/kafka:${KAFKA_VERSION}`,
  redis: 'redis:8-alpine',
  postgres: 'postgres:17',
} as const;

/** Settings of servers started in containers, and how to stop them. */
export interface ContainerSettings {
  KAFKA_BROKERS?: string;
  REDIS_URL?: string;
  DATABASE_URL?: string;
  stop(): Promise<void>;
}

/**
 * Starts the asked-for servers with testcontainers (imported only here, only when an engine was
 * found: it is heavy). Kafka runs the `apache/kafka` image of the version the local infrastructure
 * runs, KRaft single node, advertised on a host port chosen beforehand so clients can reach it.
 */
export async function startContainers(
  which: {
    kafka: boolean;
    redis: boolean;
    postgres: boolean;
  },
  runtime?: ContainerRuntime,
): Promise<ContainerSettings> {
  // testcontainers removes what a test run leaves behind with its reaper container (Ryuk); where
  // that image is absent (no registry to pull it from), run without it: stop() still removes ours.
  if (
    runtime &&
    process.env['TESTCONTAINERS_RYUK_DISABLED'] === undefined &&
    !(await hasImage(runtime, 'testcontainers/ryuk'))
  ) {
    process.env['TESTCONTAINERS_RYUK_DISABLED'] = 'true';
  }
  // Without Ryuk, a test worker that was killed (vitest ends its workers without `beforeExit`)
  // leaves its containers running: each is labelled with its owner, and the next start removes
  // those whose owner is gone.
  const ownLabel: Record<string, string> = {};
  if (process.env['TESTCONTAINERS_RYUK_DISABLED'] === 'true') {
    ownLabel[OWNER_LABEL] = ownerOf();
    if (runtime) await removeOrphans(runtime).catch(() => []);
  }
  const { GenericContainer, Wait } = await import('testcontainers');
  const started: { stop(): Promise<unknown> }[] = [];
  const settings: Omit<ContainerSettings, 'stop'> = {};
  const tasks: Promise<void>[] = [];
  if (which.kafka) {
    tasks.push(
      (async () => {
        // The broker advertises its host port, so the port is chosen before the container binds it:
        // when another process took it in between, Docker refuses and it starts on another one.
        const { container, port } = await onFreePort(async (hostPort) => {
          const kafka = await new GenericContainer(CONTAINER_IMAGES.kafka)
            .withLabels(ownLabel)
            .withExposedPorts({ container: 9092, host: hostPort })
            .withEnvironment({
              KAFKA_NODE_ID: '1',
              KAFKA_PROCESS_ROLES: 'broker,controller',
              KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
              KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${hostPort}`,
              KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
              KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
              KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
              KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
              KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '1',
              KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
              KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
              KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
              KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
              KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
              KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS: '1000',
              KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
            })
            .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
            // A JVM broker on a busy 2-core machine can take longer than testcontainers' 60 s.
            .withStartupTimeout(180_000)
            .start();
          return { container: kafka, port: hostPort };
        });
        started.push(container);
        settings.KAFKA_BROKERS = `127.0.0.1:${port}`;
      })(),
    );
  }
  if (which.redis) {
    tasks.push(
      (async () => {
        const container = await new GenericContainer(CONTAINER_IMAGES.redis)
          .withLabels(ownLabel)
          .withExposedPorts(6379)
          .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
          .withStartupTimeout(120_000)
          .start();
        started.push(container);
        settings.REDIS_URL = `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
      })(),
    );
  }
  if (which.postgres) {
    tasks.push(
      (async () => {
        const container = await new GenericContainer(CONTAINER_IMAGES.postgres)
          .withLabels(ownLabel)
          .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
          .withExposedPorts(5432)
          .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
          .withStartupTimeout(120_000)
          .start();
        started.push(container);
        settings.DATABASE_URL = `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
      })(),
    );
  }
  const results = await Promise.allSettled(tasks);
  const stop = async () => {
    await Promise.allSettled(started.map((c) => c.stop()));
  };
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { ...settings, stop };
}
