// The test kit's container path: Kafka, Redis and PostgreSQL started by testcontainers from the
// images docker-compose.yml names (built locally by `./pnpmw containers build` where no registry
// answers), each answering a real client. Runs when a container engine answers (DOCKER_HOST, or
// Docker's default sockets); skipped, saying so, otherwise.

import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { detectContainerRuntime, hasImage, OWNER_LABEL, ownerOf, removeOrphans } from '../src/container-runtime.ts';
import { CONTAINER_IMAGES, startContainers } from '../src/containers.ts';

const runtime = await detectContainerRuntime();
const missing = [];
if (runtime) {
  for (const image of Object.values(CONTAINER_IMAGES)) {
    if (!(await hasImage(runtime, image.split(':')[0]!))) missing.push(image);
  }
}
const why = !runtime
  ? 'no container engine answers (set DOCKER_HOST; `./pnpmw containers build` starts one)'
  : missing.length > 0
    ? `the engine has no ${missing.join(', ')} (\`./pnpmw containers build\` builds them)`
    : '';

describe('testkit on containers', () => {
  it.skipIf(why !== '')(
    `starts Kafka, Redis and PostgreSQL with testcontainers${why ? ` — skipped: ${why}` : ''}`,
    { timeout: 240_000 },
    async () => {
      const servers = await startContainers({ kafka: true, redis: true, postgres: true }, runtime);
      try {
        const kafka = new Kafka({ brokers: [servers.KAFKA_BROKERS!], logLevel: logLevel.NOTHING });
        const admin = kafka.admin();
        await admin.connect();
        await admin.createTopics({ topics: [{ topic: 'containers-test', numPartitions: 1 }], waitForLeaders: true });
        const producer = kafka.producer();
        await producer.connect();
        await producer.send({ topic: 'containers-test', messages: [{ key: 'k', value: 'v' }] });
        await producer.disconnect();
        const offsets = await admin.fetchTopicOffsets('containers-test');
        expect(offsets[0]!.high).toBe('1');
        await admin.disconnect();

        const redis = new Redis(servers.REDIS_URL!);
        await redis.set('containers-test', 'ok');
        expect(await redis.get('containers-test')).toBe('ok');
        redis.disconnect();

        const client = new pg.Client({ connectionString: servers.DATABASE_URL! });
        await client.connect();
        const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
        expect(rows[0]!.v).toMatch(/^17\./);
        await client.end();
      } finally {
        await servers.stop();
      }
    },
  );

  it.skipIf(why !== '')(
    `removes the containers of a test process that is gone${why ? ` — skipped: ${why}` : ''}`,
    { timeout: 120_000 },
    async () => {
      const { GenericContainer } = await import('testcontainers');
      // A process that has exited: its pid owns the container, as a killed test worker would.
      const gone = spawnSync(process.execPath, ['-e', '']).pid;
      const orphan = await new GenericContainer(CONTAINER_IMAGES.redis)
        .withLabels({ [OWNER_LABEL]: ownerOf(gone) })
        .withCommand(['sleep', '300'])
        .start();
      const ours = await new GenericContainer(CONTAINER_IMAGES.redis)
        .withLabels({ [OWNER_LABEL]: ownerOf() })
        .withCommand(['sleep', '300'])
        .start();
      try {
        const removed = await removeOrphans(runtime!);
        expect(removed).toContain(orphan.getId());
        expect(removed).not.toContain(ours.getId());
      } finally {
        await ours.stop();
        await orphan.stop().catch(() => undefined);
      }
    },
  );
});
