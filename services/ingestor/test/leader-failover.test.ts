import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DirectoryEventV1 } from '@provision/events';
import { TOPICS } from '@provision/events';
import { type GraphSim, startGraphSim } from '@provision/graph-sim';
import { createKafkaClient } from '@provision/kafka';
import { waitFor } from '@provision/testkit';
import { test } from '@provision/testkit/vitest';
import { describe, expect } from 'vitest';
import { PARTITIONS, type Received, readTopic } from './harness.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
// The defaults, as deployed: a killed leader's lease expires within 6 s of its last renewal, and
// a standby tries to take it every 2 s.
const TTL_MS = 6000;
const INTERVAL_MS = 2000;

interface Replica {
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  readonly log: string[];
}

/**
 * One ingestor as a process (`node services/ingestor/src/main.ts`), as a Deployment's pod runs it.
 * It listens on port 0 and the port it got is read from its `started` line: no port is picked
 * here and then lost to another process before the replica binds it.
 */
async function startReplica(name: string, env: Record<string, string>): Promise<Replica> {
  const child = spawn(process.execPath, [`${ROOT}services/ingestor/src/main.ts`], {
    cwd: ROOT,
    env: { ...process.env, ...env, HTTP_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await waitFor(() => startedPort(log.join('')), { timeout: 30_000, message: `${name} started` });
  return { name, port, child, exited, log };
}

/** The port of the `started` log line, once the replica wrote it. */
function startedPort(output: string): number | undefined {
  for (const line of output.split('\n')) {
    if (!line.includes('"started"')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: unknown; port?: unknown };
      if (entry.msg === 'started' && typeof entry.port === 'number') return entry.port;
    } catch {
      // not a JSON line
    }
  }
  return undefined;
}

/** What a replica says of itself: ready (`/readyz`) and leader (the `ingestor_leader` gauge), or undefined while it does not answer. */
async function status(replica: Replica): Promise<{ ready: boolean; leader: boolean } | undefined> {
  try {
    const base = `http://127.0.0.1:${replica.port}`;
    const ready = (await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(1000) })).ok;
    const metrics = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(1000) })).text();
    return { ready, leader: /^ingestor_leader\{[^}]*\} 1$/m.test(metrics) };
  } catch {
    return undefined;
  }
}

/**
 * The Service in front of the replicas, as Graph reaches it: every request goes to a replica that
 * answers, standbys first (so the test sees that what a standby receives reaches the leader).
 */
async function startServiceProxy(
  replicas: () => readonly Replica[],
): Promise<{ url: string; server: Server; routed: string[] }> {
  const routed: string[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const live = [];
      for (const r of replicas()) {
        const s = r.child.exitCode === null && r.child.signalCode === null ? await status(r) : undefined;
        if (s?.ready) live.push({ r, leader: s.leader });
      }
      const target = live.find((l) => !l.leader) ?? live[0];
      if (!target) return res.writeHead(503).end();
      routed.push(`${target.r.name} ${req.url}`);
      const upstream = request(
        { host: '127.0.0.1', port: target.r.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, routed };
}

function factKey(e: DirectoryEventV1): string {
  return JSON.stringify({ ...e, eventId: undefined, time: undefined });
}

describe('ingestor replicas: one leader, a standby takes over', () => {
  test('SIGKILL of the leader mid-round: a standby leads within seconds, redoes the round, and loses no change (also none a standby received)', async ({
    kafka,
    redis,
  }) => {
    const replicas: Replica[] = [];
    let sim: GraphSim | undefined;
    let proxy: Server | undefined;
    let reader: Awaited<ReturnType<typeof readTopic>> | undefined;
    try {
      sim = await startGraphSim({
        seed: 23,
        deltaPageSize: 10,
        allowHttpNotificationUrl: true,
        notificationRetry: { initialDelayMs: 50, maxDelayMs: 500 },
      });
      sim.admin.seed({ users: 120, seed: 23 });
      const service = await startServiceProxy(() => replicas);
      proxy = service.server;
      const topicPrefix = `${kafka.prefix}.`;
      const topic = `${topicPrefix}${TOPICS.directory}`;
      const env = {
        KAFKA_BROKERS: kafka.brokers,
        REDIS_URL: redis.url,
        REDIS_PREFIX: redis.prefix,
        TOPIC_PREFIX: topicPrefix,
        KAFKA_PARTITIONS: String(PARTITIONS),
        LOG_LEVEL: 'info',
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
        NODE_EXTRA_CA_CERTS: sim.caCertPath,
        GRAPH_BASE_URL: sim.url,
        GRAPH_AUTHORITY_HOST: sim.authorityHost,
        GRAPH_TENANT_ID: sim.tenantId,
        GRAPH_CLIENT_ID: sim.clientId,
        GRAPH_CLIENT_SECRET: sim.clientSecret,
        GRAPH_SERVICE_PRINCIPAL_ID: sim.servicePrincipalId,
        SYNC_INTERVAL_MS: '3600000',
        ASSIGNMENT_POLL_INTERVAL_MS: '0',
        WEBHOOK_PUBLIC_URL: service.url,
        WEBHOOK_CLIENT_STATE: randomBytes(24).toString('base64url'),
        AUTH_TENANT_ID: sim.tenantId,
        AUTH_AUTHORITY_HOST: sim.authorityHost,
        AUTH_AUDIENCE: sim.signIn.apiAppId,
        LEADER_LEASE_TTL_MS: String(TTL_MS),
        LEADER_RENEW_INTERVAL_MS: String(INTERVAL_MS),
      };
      // The topic exists before anyone reads it (each replica also ensures it at start).
      const admin = createKafkaClient({ brokers: kafka.brokers, clientId: 'ingestor-failover-test' });
      await admin.ensureTopics([{ topic, partitions: PARTITIONS }]);
      await admin.close();
      reader = await readTopic(kafka, topic);
      const { received } = reader;
      // Every user page is slow, so the first full round is still running when its leader dies.
      sim.admin.injectFault({ kind: 'latency', ms: 400, count: 1000, path: '/v1.0/users' });
      const usersPagesRead = () =>
        Object.entries(sim!.admin.requestCounts())
          .filter(([route]) => /^GET \/v1\.0\/users\/(microsoft\.graph\.)?delta/.test(route))
          .reduce((sum, [, n]) => sum + n, 0);

      // Never two leaders: every look at the replicas checks it.
      const leaders = async () => {
        const seen = await Promise.all(replicas.map(async (r) => ({ r, s: await status(r) })));
        const leading = seen.filter((x) => x.s?.leader).map((x) => x.r.name);
        expect(leading.length, `replicas leading at once: ${leading.join(', ')}`).toBeLessThanOrEqual(1);
        return { leading, seen };
      };

      const a = await startReplica('a', env);
      replicas.push(a);
      await waitFor(async () => (await leaders()).leading[0] === 'a', { timeout: 30_000, message: 'a leads' });
      const b = await startReplica('b', env);
      replicas.push(b);
      // A standby is Ready (it serves the webhook), and does not lead.
      await waitFor(async () => (await status(b))?.ready, { timeout: 30_000, message: 'b ready' });
      expect((await leaders()).leading).toEqual(['a']);

      // Mid-round: the leader has read (and published) a few pages of users out of twelve.
      await waitFor(() => usersPagesRead() >= 3, { timeout: 60_000, message: "a's full round under way" });
      a.child.kill('SIGKILL');
      const killedAt = Date.now();
      await a.exited;

      // A change made while nobody leads (its notification goes to the standby, which forwards it).
      const [renamed] = [...sim.tenant.users.active()];
      sim.admin.updateUser(renamed!.id, { displayName: 'Renamed While Leaderless' });

      await waitFor(async () => (await leaders()).leading[0] === 'b', {
        timeout: 30_000,
        interval: 100,
        message: 'b leads',
      });
      const failoverMs = Date.now() - killedAt;
      // The lease outlives its last renewal (at most INTERVAL_MS before the kill) by TTL_MS, and
      // the standby's next attempt comes within INTERVAL_MS: 8 s; the rest is slack for a loaded machine.
      expect(failoverMs).toBeLessThan(TTL_MS + INTERVAL_MS + 4000);

      // The new leader redoes the round in full (the killed one saved no cursors), to the end.
      const completed = (syncId: string) =>
        new Set(
          received
            .filter((r) => r.event.syncId === syncId && r.event.type === 'sync.completed')
            .map((r) => r.partition),
        ).size === PARTITIONS;
      const fullRounds = () => [
        ...new Set(received.filter((r) => r.event.syncId.startsWith('full')).map((r) => r.event.syncId)),
      ];
      const redone = await waitFor(() => fullRounds().find(completed), {
        timeout: 60_000,
        message: "b's full round completed on every partition",
      });
      // Two full rounds: the killed one (started, some facts, never completed) and the redone one.
      const killed = fullRounds().filter((id) => id !== redone);
      expect(killed).toHaveLength(1);
      const killedSyncId = killed[0]!;
      expect(received.some((r) => r.event.syncId === killedSyncId && r.event.type === 'sync.started')).toBe(true);
      expect(received.some((r) => r.event.syncId === killedSyncId && r.event.type === 'sync.completed')).toBe(false);
      const facts = (syncId: string) =>
        received.filter((r: Received) => r.event.syncId === syncId && !r.event.type.startsWith('sync.'));
      const redoneFacts = facts(redone);
      const users = redoneFacts.flatMap((r) => (r.event.type === 'user.upserted' ? [r.event.userId] : []));
      expect(users.sort()).toEqual([...sim.tenant.users.active()].map((u) => u.id).sort());
      // No lost change: the rename made while nobody led is in it.
      expect(
        redoneFacts.find((r) => r.event.type === 'user.upserted' && r.event.userId === renamed!.id)?.event,
      ).toMatchObject({ attributes: expect.objectContaining({ displayName: 'Renamed While Leaderless' }) });
      // At least once, no more: within a round each fact is published once; the only repeats are
      // the facts the killed round had published before it died.
      for (const syncId of [killedSyncId, redone]) {
        const keys = facts(syncId).map((r) => factKey(r.event));
        expect(new Set(keys).size, `duplicates within ${syncId}`).toBe(keys.length);
      }
      expect(fullRounds().sort()).toEqual([killedSyncId, redone].sort());

      // The killed pod comes back (Kubernetes restarts it) as a standby; Graph's next notification
      // reaches it through the Service, and the leader publishes the change at once.
      const c = await startReplica('c', env);
      replicas.push(c);
      await waitFor(async () => (await status(c))?.ready, { timeout: 30_000, message: 'c ready' });
      expect((await leaders()).leading).toEqual(['b']);
      const deliveredBefore = sim.admin.deliveries().length;
      const routedBefore = service.routed.length;
      sim.admin.updateUser(renamed!.id, { displayName: 'Renamed Through A Standby' });
      const forwarded = await waitFor(
        () =>
          received.find(
            (r) =>
              r.event.type === 'user.upserted' &&
              r.event.userId === renamed!.id &&
              r.event.syncId.startsWith('incr') &&
              r.event.attributes['displayName'] === 'Renamed Through A Standby',
          ),
        { timeout: 30_000, message: 'the change notified to the standby, published by the leader' },
      );
      expect(forwarded.event.syncId).toMatch(/^incr-/);
      const deliveries = sim.admin.deliveries().slice(deliveredBefore);
      expect(deliveries.some((d) => d.kind === 'notification' && d.status === 202)).toBe(true);
      // Graph's notifications went to the standby only: the leader learnt of them through Redis.
      const notifications = service.routed.slice(routedBefore).filter((r) => r.includes('/webhooks/graph'));
      expect(notifications.length).toBeGreaterThan(0);
      expect(notifications.every((r) => r.startsWith('c '))).toBe(true);
      expect(c.log.join('')).not.toContain('"leader":true');
      expect(b.log.join('')).toContain('leader: this replica reads Graph now');
    } finally {
      for (const r of replicas) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGTERM');
      await Promise.all(replicas.map((r) => r.exited));
      await reader?.stop();
      await new Promise((resolve) => proxy?.close(resolve) ?? resolve(undefined));
      await sim?.close();
    }
  }, 180_000);
});
