import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ErrorCode, isProvisionError } from '@provision/errors';
import { infraPaths, type SecureKafka, startSecureKafka } from '@provision/infra';
import { waitFor } from '@provision/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientCredentialsToken,
  createKafkaClient,
  type KafkaClient,
  type KafkaClientOptions,
  outcome,
  staticToken,
} from '../src/index.ts';
import { createServiceAcls, SERVICE_ACLS, type ServicePrincipal } from './service-acls.ts';
import { FAST_GROUP, TestEvent, TYPE } from './support.ts';

// A second broker, secured as production should be: SASL_SSL only, SCRAM-SHA-512 and OAUTHBEARER
// (JWTs checked against a JWKS), the StandardAuthorizer and the ACL layout of docs/security.md.
const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
const hasJava = java.status === 0 && Number(/version "(\d+)/.exec(java.stderr)?.[1] ?? 0) >= 17;

const DIRECTORY = 'entra.directory.v1';
const COMMANDS = 'provisioning.commands.v1';
const LIVE_COMMANDS = 'provisioning.commands.live.v1';
const RESULTS = 'provisioning.results.v1';
const ISSUER = 'https://idp.provision.test';
const AUDIENCE = 'provision-kafka';

const password = () => randomBytes(12).toString('hex');
const admin = { name: 'admin', password: password() };
const users = Object.fromEntries(Object.keys(SERVICE_ACLS).map((name) => [name, password()])) as Record<
  ServicePrincipal,
  string
>;

/** A tiny identity provider: RS256 JWTs for known clients, over the client-credentials grant. */
function identityProvider(key: KeyObject, clients: Record<string, string>): Server {
  return createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const id = form.get('client_id') ?? '';
      if (form.get('grant_type') !== 'client_credentials' || clients[id] !== form.get('client_secret')) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ access_token: jwt(key, { sub: id }), token_type: 'Bearer', expires_in: 600 }));
    });
  });
}

function jwt(key: KeyObject, claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = part({ alg: 'RS256', typ: 'JWT', kid: 'test-key' });
  const body = part({ iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 600, ...claims });
  return `${head}.${body}.${sign('sha256', Buffer.from(`${head}.${body}`), key).toString('base64url')}`;
}

async function failure(promise: Promise<unknown>): Promise<{ code: ErrorCode; message: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isProvisionError(error)) throw new Error(`expected a ProvisionError, got ${String(error)}`);
  return { code: error.code, message: error.message };
}

const title = 'a SASL_SSL broker with ACLs';
describe.skipIf(!hasJava)(hasJava ? title : `${title} (skipped: Java 17 or newer is needed to run Kafka)`, () => {
  let broker: SecureKafka;
  let dir: string;
  let idp: Server;
  let tokenUrl: string;
  let signingKey: KeyObject;
  const clients: KafkaClient[] = [];

  const connect = (options: Partial<KafkaClientOptions>): KafkaClient => {
    const client = createKafkaClient({
      brokers: broker.brokers,
      clientId: 'secure-broker-test',
      ssl: { caFile: broker.caFile },
      retries: 2,
      ...options,
    });
    clients.push(client);
    return client;
  };
  const as = (principal: ServicePrincipal, secret = users[principal]) =>
    connect({ sasl: { mechanism: 'scram-sha-512', username: principal, password: secret } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'provision-secure-kafka-'));
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    signingKey = keys.privateKey;
    const jwksFile = join(dir, 'jwks.json');
    const jwk = { ...keys.publicKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };
    writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
    idp = identityProvider(signingKey, { 'provision-writer': 'writer-secret' });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    tokenUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/token`;

    broker = await startSecureKafka({
      dir: join(dir, 'broker'),
      jarCacheDir: infraPaths().jarCacheDir,
      admin,
      users: Object.entries(users).map(([name, pw]) => ({ name, password: pw })),
      oauth: { jwksFile, issuer: ISSUER, audience: AUDIENCE },
    });
    const kafka = new Kafka({
      brokers: [broker.brokers],
      clientId: 'secure-broker-admin',
      logLevel: logLevel.NOTHING,
      ssl: { ca: [readFileSync(broker.caFile)] },
      sasl: { mechanism: 'scram-sha-512', username: admin.name, password: admin.password },
    });
    const superUser = kafka.admin();
    await superUser.connect();
    try {
      // Topics are created by an administrator; the services find them there.
      await superUser.createTopics({
        waitForLeaders: true,
        topics: [
          DIRECTORY,
          COMMANDS,
          LIVE_COMMANDS,
          RESULTS,
          'provisioning.commands.dlq.v1',
          'provisioning.commands.live.dlq.v1',
        ].map((topic) => ({
          topic,
          numPartitions: 2,
        })),
      });
      await createServiceAcls(superUser);
    } finally {
      await superUser.disconnect();
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await broker?.stop();
    await new Promise<void>((resolve) => (idp ? idp.close(() => resolve()) : resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets a service in over SASL_SSL with SCRAM-SHA-512 to write its topic, and another read it in its group', async () => {
    const ingestor = await as('provision-ingestor').producer({ source: '/provision/ingestor' });
    await ingestor.send([{ topic: DIRECTORY, key: 'u1', type: TYPE, value: { userId: 'u1', seq: 1 } }]);
    const seen: TestEvent[] = [];
    const runner = as('provision-mapper').consumer({
      groupId: 'provision-mapper',
      topics: [DIRECTORY],
      schema: TestEvent,
      createDeadLetterTopics: false,
      ...FAST_GROUP,
      handler: async (event) => {
        seen.push(event);
        return outcome.done();
      },
    });
    await runner.start();
    await waitFor(() => seen.length === 1, { timeout: 20_000, message: 'the mapper reads the directory event' });
    expect(seen).toEqual([{ userId: 'u1', seq: 1 }]);
    await runner.stop();
  });

  it('refuses a wrong password with PRV_KAFKA_AUTH_FAILED', async () => {
    const { code, message } = await failure(as('provision-writer', 'not-the-password').partitionCount(RESULTS));
    expect(code).toBe('PRV_KAFKA_AUTH_FAILED');
    expect(message).toMatch(/refused the SASL credentials.*SCRAM-SHA-512/);
  });

  it('stops the mapper from writing provisioning.results.v1 with PRV_KAFKA_NOT_AUTHORIZED naming the topic', async () => {
    const mapper = await as('provision-mapper').producer({ source: '/provision/mapper' });
    const { code, message } = await failure(
      mapper.send([{ topic: RESULTS, key: 'u1', type: TYPE, value: { userId: 'u1', seq: 1 } }]),
    );
    expect(code).toBe('PRV_KAFKA_NOT_AUTHORIZED');
    expect(message).toContain(`producing`);
    expect(message).toMatch(/ACL denies this principal: .*[Tt]opic authorization failed/);
    // … while its own topic takes the same event.
    await mapper.send([{ topic: COMMANDS, key: 'u1', type: TYPE, value: { userId: 'u1', seq: 1 } }]);
  });

  it('lets only the mapper write either lane of commands', async () => {
    const event = { key: 'u1', type: TYPE, value: { userId: 'u1', seq: 1 } };
    for (const principal of ['provision-writer', 'provision-audit', 'provision-ingestor'] as const) {
      const producer = await as(principal).producer({ source: `/provision/${principal}` });
      for (const topic of [COMMANDS, LIVE_COMMANDS]) {
        const { code } = await failure(producer.send([{ topic, ...event }]));
        expect(code, `${principal} writing ${topic}`).toBe('PRV_KAFKA_NOT_AUTHORIZED');
      }
    }
    const mapper = await as('provision-mapper').producer({ source: '/provision/mapper' });
    await mapper.send([{ topic: LIVE_COMMANDS, ...event }]);
  });

  it('stops a consumer outside its groups at start, saying an ACL may deny the group', async () => {
    const runner = as('provision-audit').consumer({
      groupId: 'provision-writer',
      topics: [COMMANDS],
      schema: TestEvent,
      createDeadLetterTopics: false,
      ...FAST_GROUP,
      handler: async () => outcome.done(),
    });
    // kafkajs reports a denied group as "Failed to find group coordinator", without the broker's reason.
    const { message } = await failure(runner.start());
    expect(message).toMatch(/^starting consumer group provision-writer: .*ACL denies this principal READ on the group/);
  });

  it('stops a consumer of a topic it may not read at start, with PRV_KAFKA_NOT_AUTHORIZED', async () => {
    const runner = as('provision-ingestor').consumer({
      groupId: 'provision-ingestor',
      topics: [COMMANDS],
      schema: TestEvent,
      ...FAST_GROUP,
      handler: async () => outcome.done(),
    });
    const { code, message } = await failure(runner.start());
    expect(code).toBe('PRV_KAFKA_NOT_AUTHORIZED');
    expect(message).toMatch(/^starting consumer group provision-ingestor: a Kafka ACL denies this principal/);
  });

  it('gives nothing to a plaintext client or to one that does not trust the broker certificate', async () => {
    const plaintext = await failure(connect({ ssl: false, retries: 0 }).partitionCount(RESULTS));
    expect(plaintext.code).toBe('PRV_KAFKA_UNAVAILABLE');
    const untrusted = await failure(
      connect({
        ssl: { caFile: broker.untrustedCaFile },
        sasl: { mechanism: 'scram-sha-512', username: admin.name, password: admin.password },
      }).partitionCount(RESULTS),
    );
    expect(untrusted.code).toBe('PRV_KAFKA_AUTH_FAILED');
    expect(untrusted.message).toMatch(/TLS certificate is not trusted/);
  });

  it('takes OAUTHBEARER tokens from the client-credentials grant, checked against the JWKS, with the ACLs of the token subject', async () => {
    const writer = connect({
      sasl: {
        mechanism: 'oauthbearer',
        token: clientCredentialsToken({ tokenUrl, clientId: 'provision-writer', clientSecret: 'writer-secret' }),
      },
    });
    const producer = await writer.producer({ source: '/provision/writer' });
    await producer.send([{ topic: RESULTS, key: 'u1', type: TYPE, value: { userId: 'u1', seq: 1 } }]);
    const denied = await failure(
      producer.send([{ topic: DIRECTORY, key: 'u1', type: TYPE, value: { userId: 'u1', seq: 1 } }]),
    );
    expect(denied.code).toBe('PRV_KAFKA_NOT_AUTHORIZED');

    const wrongAudience = connect({
      sasl: { mechanism: 'oauthbearer', token: staticToken(jwt(signingKey, { sub: 'admin', aud: 'another-api' })) },
    });
    const refused = await failure(wrongAudience.partitionCount(RESULTS));
    expect(refused.code).toBe('PRV_KAFKA_AUTH_FAILED');
    expect(refused.message).toMatch(/OAUTHBEARER authentication failed: .* refused the token \(invalid_token\)/);
  });

  it('dead-letters a command whose key is not its userId, through the writer principal', async () => {
    const mapper = await as('provision-mapper').producer({ source: '/provision/mapper' });
    await mapper.send([{ topic: COMMANDS, key: 'u-victim', type: TYPE, value: { userId: 'u-forged', seq: 1 } }]);
    const handled: TestEvent[] = [];
    const runner = as('provision-writer').consumer({
      groupId: 'provision-writer',
      topics: [COMMANDS],
      schema: TestEvent,
      ...FAST_GROUP,
      handler: async (event) => {
        handled.push(event);
        return outcome.done();
      },
    });
    await runner.start();
    const auditor = as('provision-audit').consumer({
      groupId: 'audit-dead-letters',
      topics: ['provisioning.commands.dlq.v1'],
      createDeadLetterTopics: false,
      ...FAST_GROUP,
      rawHandler: async (_message, ctx) => {
        letters.push({ key: ctx.key, code: ctx.headers['dlq_reason_code'], reason: ctx.headers['dlq_reason'] });
        return outcome.done();
      },
    });
    const letters: { key: string; code: string | undefined; reason: string | undefined }[] = [];
    await auditor.start();
    await waitFor(() => letters.some((l) => l.key === 'u-victim'), { timeout: 20_000, message: 'the dead letter' });
    expect(letters.find((l) => l.key === 'u-victim')).toEqual({
      key: 'u-victim',
      code: 'PRV_EVENT_KEY_MISMATCH',
      reason: 'message key "u-victim" is not the userId "u-forged" the event is about',
    });
    expect(handled.filter((e) => e.userId === 'u-forged')).toEqual([]);
    await Promise.all([runner.stop(), auditor.stop()]);
  });

  it('lets the writer read the live lane in provision-writer.live and dead-letter it, and the audit read both', async () => {
    const mapper = await as('provision-mapper').producer({ source: '/provision/mapper' });
    await mapper.send([
      { topic: LIVE_COMMANDS, key: 'u-live-victim', type: TYPE, value: { userId: 'u-live-forged', seq: 1 } },
      { topic: LIVE_COMMANDS, key: 'u-live', type: TYPE, value: { userId: 'u-live', seq: 2 } },
    ]);
    const handled: TestEvent[] = [];
    const writer = as('provision-writer').consumer({
      groupId: 'provision-writer.live',
      topics: [LIVE_COMMANDS],
      schema: TestEvent,
      ...FAST_GROUP,
      handler: async (event) => {
        handled.push(event);
        return outcome.done();
      },
    });
    const logged: TestEvent[] = [];
    const audit = as('provision-audit').consumer({
      groupId: 'audit',
      topics: [LIVE_COMMANDS],
      schema: TestEvent,
      createDeadLetterTopics: false,
      ...FAST_GROUP,
      handler: async (event) => {
        logged.push(event);
        return outcome.done();
      },
    });
    const letters: { key: string; code: string | undefined }[] = [];
    const deadLetters = as('provision-audit').consumer({
      groupId: 'audit-dead-letters',
      topics: ['provisioning.commands.live.dlq.v1'],
      createDeadLetterTopics: false,
      ...FAST_GROUP,
      rawHandler: async (_message, ctx) => {
        letters.push({ key: ctx.key, code: ctx.headers['dlq_reason_code'] });
        return outcome.done();
      },
    });
    await Promise.all([writer.start(), audit.start(), deadLetters.start()]);
    await waitFor(() => handled.some((e) => e.userId === 'u-live') && logged.some((e) => e.userId === 'u-live'), {
      timeout: 20_000,
      message: 'the writer and the audit read the live command',
    });
    // Each forged key is dead-lettered once per group that meets it: the writer's and the audit's.
    await waitFor(() => letters.filter((l) => l.key === 'u-live-victim').length === 2, {
      timeout: 20_000,
      message: 'the dead letters of the live lane',
    });
    expect(letters.filter((l) => l.key === 'u-live-victim').map((l) => l.code)).toEqual([
      'PRV_EVENT_KEY_MISMATCH',
      'PRV_EVENT_KEY_MISMATCH',
    ]);
    expect(handled.filter((e) => e.userId === 'u-live-forged')).toEqual([]);
    await Promise.all([writer.stop(), audit.stop(), deadLetters.stop()]);
  });
});
