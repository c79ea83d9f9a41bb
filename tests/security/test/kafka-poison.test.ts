import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditFetch, type Pipeline, startPipeline, waitForInitialSync } from '@provision/demo';
import { DirectoryEventV1, TOPICS } from '@provision/events';
import { up } from '@provision/infra';
import { deadLetterTopic } from '@provision/kafka';
import { waitFor } from '@provision/testkit';
import fc from 'fast-check';
import { CompressionTypes, type IHeaders, Kafka, type KafkaMessage, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from './support/settings.ts';

const fixture = (name: string) =>
  (
    JSON.parse(readFileSync(new URL(`../../../packages/events/fixtures/${name}.v1.json`, import.meta.url), 'utf8')) as {
      value: Record<string, unknown>;
    }
  ).value;

/** One poison message, and the reason the consumers must give when they dead-letter it. */
interface Poison {
  readonly label: string;
  readonly topic: string;
  readonly key: string | null;
  readonly value: Buffer;
  readonly code: string;
  readonly compressed?: boolean;
}

interface DeadLetter {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** What the audit's API shows of a dead letter. */
interface AuditDeadLetter {
  sourceTopic: string;
  key: string | null;
  errorCode: string | null;
  reason: string;
  payload: string | null;
  payloadEncoding: 'utf8' | 'base64';
}

const GENERATED = 40;

describe('poison Kafka messages published straight to the running services’ topics', () => {
  let pipeline: Pipeline;
  let kafka: Kafka;
  let producer: Producer;
  // The user every poison message is keyed by (same partition), whose next real change must still arrive.
  let target: { id: string; upn: string };
  const letters = new Map<string, DeadLetter[]>();
  const poisons: Poison[] = [];
  const topic = (name: string) => `${pipeline.runId}.${name}`;
  const afterAllConsumers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    pipeline = await startPipeline({ users: 50, existingShare: 0, logLevel: 'warn', syncIntervalMs: 2000 });
    await waitForInitialSync(pipeline.audit, { timeoutMs: 180_000 });
    const infra = await up({ log: () => undefined });
    kafka = new Kafka({
      brokers: infra.KAFKA_BROKERS.split(','),
      clientId: 'security-poison',
      logLevel: logLevel.NOTHING,
    });
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const { graph, salesforce } = pipeline.sims;
    const provisioned = [...graph.tenant.visibleAssignments()]
      .filter((a) => a.principalType === 'User')
      .map((a) => graph.tenant.users.objects.get(a.principalId))
      .map((u) => ({
        id: String(u?.id ?? ''),
        upn: String((u?.props as Record<string, unknown>)?.['userPrincipalName']),
      }))
      .find((u) => salesforce.admin.users(salesforce.orgId, { username: u.upn }).length === 1);
    if (!provisioned) throw new Error('no provisioned user to aim at');
    target = provisioned;
    // Read every dead-letter topic from the start, for the whole file.
    const consumer = kafka.consumer({ groupId: `${pipeline.runId}.security-dlq-reader` });
    await consumer.connect();
    const dlqs = [TOPICS.directory, TOPICS.commands, TOPICS.liveCommands, TOPICS.results].map((t) =>
      deadLetterTopic(topic(t)),
    );
    await consumer.subscribe({ topics: dlqs, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic: t, message }) => {
        const list = letters.get(t) ?? [];
        list.push({ key: message.key?.toString('utf8') ?? null, value: message.value, headers: headersOf(message) });
        letters.set(t, list);
      },
    });
    afterAllConsumers.push(() => consumer.disconnect());
  }, 300_000);
  afterAll(async () => {
    for (const stop of afterAllConsumers) await stop().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await pipeline?.stop();
  });

  const publish = async (list: readonly Poison[]) => {
    for (const p of list) {
      await producer.send({
        topic: p.topic,
        ...(p.compressed ? { compression: CompressionTypes.GZIP } : {}),
        messages: [{ key: p.key, value: p.value, headers: { 'security-poison': p.label } }],
      });
    }
  };

  // The consumer that must refuse it: the mapper for the directory, the writer for the commands
  // (its group of the lane). Waited for by name: the audit reads those topics too, and its letter
  // may come first.
  const ownerOf = (p: Poison) =>
    p.topic.endsWith(TOPICS.directory)
      ? 'provision-mapper'
      : p.topic.endsWith(TOPICS.commands)
        ? 'provision-writer'
        : p.topic.endsWith(TOPICS.liveCommands)
          ? 'provision-writer.live'
          : undefined;

  // Every consumer of a topic dead-letters what it cannot take: the mapper and the audit read the
  // directory, the writer and the audit the commands (both lanes), the audit (and the mapper) the results.
  const expectDeadLettered = async (list: readonly Poison[]) => {
    const lettersOf = (p: Poison) =>
      (letters.get(deadLetterTopic(p.topic)) ?? []).filter((l) => l.headers['security-poison'] === p.label);
    const missing = () =>
      list.filter((p) => {
        const found = lettersOf(p);
        const must = ownerOf(p);
        return (
          found.length === 0 ||
          (must !== undefined && !found.some((l) => (l.headers['dlq_consumer_group'] ?? '').endsWith(must)))
        );
      });
    await waitFor(() => missing().length === 0, { timeout: 60_000, interval: 250 }).catch(() => {
      throw new Error(
        `not dead-lettered within 60 s:\n  ${missing()
          .map((p) => p.label)
          .join('\n  ')}\n${deadLetterFailures()}`,
      );
    });
    for (const p of list) {
      const found = lettersOf(p);
      for (const letter of found) {
        expect(letter.headers['dlq_reason_code'], p.label).toBe(p.code);
        expect(letter.headers['dlq_reason']?.length, p.label).toBeGreaterThan(0);
        expect(letter.key, p.label).toBe(p.key);
        expect(letter.value?.equals(p.value), `${p.label}: the dead letter keeps the original bytes`).toBe(true);
      }
      const groups = found.map((l) => l.headers['dlq_consumer_group'] ?? '');
      const must = ownerOf(p);
      if (must !== undefined)
        expect(
          groups.some((g) => g.endsWith(must)),
          p.label,
        ).toBe(true);
    }
  };

  // What the services said when they could not write a dead letter (the log lines of the driver).
  const deadLetterFailures = () =>
    (['mapper', 'writer', 'audit'] as const)
      .flatMap((service) =>
        readFileSync(join(pipeline.logDir, `${service}.log`), 'utf8')
          .split('\n')
          .filter((line) => line.includes('could not write to the dead-letter topic'))
          .slice(0, 1)
          .map((line) => `${service}: ${line.slice(0, 600)}`),
      )
      .join('\n');

  const expectInAudit = async (list: readonly Poison[]) => {
    const listed = await waitFor(
      async () => {
        const response = await auditFetch(pipeline.audit, '/api/dead-letters?limit=1000');
        const { items } = (await response.json()) as { items: AuditDeadLetter[] };
        return list.every((p) => items.some((d) => matches(d, p))) ? items : undefined;
      },
      { timeout: 60_000, interval: 500, message: 'every poison message is in the audit’s dead letters' },
    );
    for (const p of list) {
      const d = listed.find((item) => matches(item, p))!;
      expect(d.reason.length, p.label).toBeGreaterThan(0);
      expect(d.sourceTopic, p.label).toBe(p.topic.slice(pipeline.runId.length + 1));
    }
  };

  // A real change to the target user still reaches Salesforce: its partitions were not blocked.
  const expectFlowing = async () => {
    const { graph, salesforce } = pipeline.sims;
    const surname = `AfterPoison${randomBytes(3).toString('hex')}`;
    graph.admin.updateUser(target.id, { surname });
    const user = () => salesforce.admin.users(salesforce.orgId, { username: target.upn })[0] as Record<string, unknown>;
    await waitFor(() => user()?.['LastName'] === surname, {
      timeout: 60_000,
      interval: 250,
      message: `Salesforce shows ${target.upn}'s new last name`,
    });
    return user();
  };

  it('each poison message — a wrong key, forged fields, undecodable bytes, a missing field, generated values — is dead-lettered with its reason', async () => {
    const upserted = fixture('user-upserted');
    const command = fixture('command-create');
    const result = fixture('result-success');
    const json = (v: unknown) => Buffer.from(JSON.stringify(v));
    const directory = topic(TOPICS.directory);
    const commands = topic(TOPICS.commands);
    const liveCommands = topic(TOPICS.liveCommands);
    const results = topic(TOPICS.results);
    const about = (userId: string): Record<string, unknown> => ({
      ...upserted,
      eventId: randomUUID(),
      userId,
      syncId: `poison-${randomUUID()}`,
    });
    const aCommand = (fields: Record<string, unknown>) => ({
      ...command,
      commandId: randomUUID(),
      changeId: randomUUID(),
      userId: target.id,
      action: 'update',
      fields,
      modifiedProperties: Object.keys(fields).map((name) => ({ name, newValue: String(fields[name]) })),
      matching: { attribute: 'Username', value: target.upn },
    });
    const add = (p: Poison) => poisons.push(p);
    add({
      label: 'a user fact keyed by the target but about another user (forged key)',
      topic: directory,
      key: target.id,
      value: json({ ...about(randomUUID()), attributes: { ...(upserted['attributes'] as object), surname: 'Forged' } }),
      code: 'PRV_EVENT_KEY_MISMATCH',
    });
    add({
      label: 'a user fact about the target under another key (forged key)',
      topic: directory,
      key: randomUUID(),
      value: json({ ...about(target.id), attributes: { ...(upserted['attributes'] as object), surname: 'Forged' } }),
      code: 'PRV_EVENT_KEY_MISMATCH',
    });
    add({
      label: 'undecodable bytes',
      topic: directory,
      key: target.id,
      value: Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]), randomBytes(64)]),
      code: 'PRV_EVENT_UNDECODABLE',
    });
    const { attributes: _dropped, ...withoutAttributes } = about(target.id);
    add({
      label: 'a user fact without its attributes (a required field)',
      topic: directory,
      key: target.id,
      value: json(withoutAttributes),
      code: 'PRV_EVENT_INVALID',
    });
    add({
      label: 'a user fact without a key',
      topic: directory,
      key: null,
      value: json(about(target.id)),
      code: 'PRV_EVENT_UNDECODABLE',
    });
    add({
      label: 'a command granting UserPermissionsModifyAllData (no mapping targets it)',
      topic: commands,
      key: target.id,
      value: json(aCommand({ UserPermissionsModifyAllData: true, ProfileName: 'System Administrator' })),
      code: 'PRV_COMMAND_REFUSED',
    });
    add({
      label: 'a command setting ProfileId (no mapping targets it)',
      topic: commands,
      key: target.id,
      value: json(aCommand({ ProfileId: '00e000000000001AAA' })),
      code: 'PRV_COMMAND_REFUSED',
    });
    add({
      label: 'a command keyed by the target for another user',
      topic: commands,
      key: target.id,
      value: json({ ...aCommand({ LastName: 'Forged' }), userId: randomUUID() }),
      code: 'PRV_EVENT_KEY_MISMATCH',
    });
    add({
      label: 'undecodable command bytes',
      topic: commands,
      key: target.id,
      value: randomBytes(48),
      code: 'PRV_EVENT_UNDECODABLE',
    });
    // The live lane is a second way in for commands: the same checks hold there.
    add({
      label: 'a live-lane command granting UserPermissionsModifyAllData (no mapping targets it)',
      topic: liveCommands,
      key: target.id,
      value: json(aCommand({ UserPermissionsModifyAllData: true, ProfileName: 'System Administrator' })),
      code: 'PRV_COMMAND_REFUSED',
    });
    add({
      label: 'a live-lane command keyed by the target for another user',
      topic: liveCommands,
      key: target.id,
      value: json({ ...aCommand({ LastName: 'Forged' }), userId: randomUUID() }),
      code: 'PRV_EVENT_KEY_MISMATCH',
    });
    add({
      label: 'a result keyed by the target for another user',
      topic: results,
      key: target.id,
      value: json({ ...result, commandId: randomUUID(), userId: randomUUID() }),
      code: 'PRV_EVENT_KEY_MISMATCH',
    });
    const { status: _status, ...resultWithoutStatus }: Record<string, unknown> = {
      ...result,
      commandId: randomUUID(),
      userId: target.id,
    };
    add({
      label: 'a result without its status',
      topic: results,
      key: target.id,
      value: json(resultWithoutStatus),
      code: 'PRV_EVENT_INVALID',
    });
    // Generated values and bytes: never a directory event.
    const generated = fc
      .sample(
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }).map((v) => json(v)),
          fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b)),
        ),
        {
          numRuns: GENERATED * 3,
          seed: SEED,
        },
      )
      .filter((bytes) => {
        try {
          return !DirectoryEventV1.safeParse(JSON.parse(bytes.toString('utf8'))).success;
        } catch {
          return true;
        }
      })
      .slice(0, GENERATED);
    for (const [i, value] of generated.entries()) {
      let code = 'PRV_EVENT_UNDECODABLE';
      try {
        JSON.parse(value.toString('utf8'));
        code = 'PRV_EVENT_INVALID';
      } catch {}
      add({ label: `generated value #${i}`, topic: directory, key: target.id, value, code });
    }

    await publish(poisons);
    await expectDeadLettered(poisons);
  });

  it('the audit lists every one of them in its dead letters, with the reason', async () => {
    await expectInAudit(poisons);
  });

  it('the pipeline keeps flowing: a real change to the same user (same partitions) still reaches Salesforce, and nothing forged did', async () => {
    const user = await expectFlowing();
    expect(user['LastName']).not.toBe('Forged');
    expect(user['UserPermissionsModifyAllData']).not.toBe(true);
    const { salesforce } = pipeline.sims;
    const profile = salesforce.admin.summary(salesforce.orgId).profiles.find((p) => p.id === user['ProfileId'])?.name;
    expect(profile).not.toBe('System Administrator');
  });

  // Last: when it is not dead-lettered, it blocks the target's partition of the directory topic.
  it('a message over 1 MiB once unpacked (gzip: the broker takes the small batch) is dead-lettered and does not block its partition', async () => {
    const upserted = fixture('user-upserted');
    const oversize: Poison = {
      label: 'a user fact over 1 MiB once unpacked',
      topic: topic(TOPICS.directory),
      key: target.id,
      value: Buffer.from(
        JSON.stringify({
          ...upserted,
          eventId: randomUUID(),
          userId: target.id,
          syncId: `poison-${randomUUID()}`,
          attributes: { displayName: 'x'.repeat(1_200_000) },
        }),
      ),
      code: 'PRV_EVENT_OVERSIZE',
      compressed: true,
    };
    await publish([oversize]);
    await expectDeadLettered([oversize]);
    await expectInAudit([oversize]);
    await expectFlowing();
  });

  it('no service exited', () => {
    for (const service of ['ingestor', 'mapper', 'writer', 'audit'] as const) {
      expect(pipeline.services[service].child.exitCode, service).toBeNull();
    }
  });
});

function headersOf(message: KafkaMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? ({} as IHeaders))) {
    const value = Array.isArray(v) ? v[0] : v;
    if (value !== undefined) out[k] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return out;
}

function matches(d: AuditDeadLetter, p: Poison): boolean {
  if ((d.key !== p.key && !(d.key === '' && p.key === null)) || d.errorCode !== p.code || d.payload === null)
    return false;
  const bytes = Buffer.from(d.payload, d.payloadEncoding === 'base64' ? 'base64' : 'utf8');
  return bytes.equals(p.value);
}
