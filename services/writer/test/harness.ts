import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProvisioningCommandV1, type ProvisioningResultV1, TOPIC_SCHEMAS, TOPICS } from '@provision/events';
import type { KafkaClient } from '@provision/kafka';
import { DEFAULT_MAPPING_YAML } from '@provision/mapping';
import type { SalesforceSim } from '@provision/salesforce-sim';
import { createLogger, createMetrics } from '@provision/telemetry';
import type { KafkaFixture, RedisFixture } from '@provision/testkit';
import { Redis } from 'ioredis';
import type { WriterService } from '../src/app.ts';
import { createService } from '../src/compose.ts';
import { readConfig } from '../src/config.ts';
import type { ResultSink } from '../src/domain/ports.ts';

/** The topics of one test: the commands (bulk and live lanes) and the results. */
export interface WriterTopics {
  readonly commands: string;
  readonly liveCommands: string;
  readonly results: string;
}

/** The topics of one test. */
export async function createTopics(kafka: KafkaFixture): Promise<WriterTopics> {
  return {
    commands: await kafka.createTopic({ name: 'commands', partitions: 3 }),
    liveCommands: await kafka.createTopic({ name: 'live-commands', partitions: 3 }),
    results: await kafka.createTopic({ name: 'results', partitions: 3 }),
  };
}

/** A create command for `name@<domain>`, as the mapper would send it. */
export function createCommand(
  n: number,
  options: { domain?: string; profile?: string; userId?: string } = {},
): ProvisioningCommandV1 {
  const username = `u${n}@${options.domain ?? 'contoso.com'}`;
  return ProvisioningCommandV1.parse({
    commandId: `cmd-${n}-${Math.random().toString(36).slice(2)}`,
    changeId: `change-${n}`,
    userId: options.userId ?? `entra-${n}`,
    action: 'create',
    fields: {
      Username: username,
      Email: username,
      FirstName: 'User',
      LastName: `Number${n}`,
      Alias: `u${n}`.slice(0, 8),
      ProfileName: options.profile ?? 'Chatter Free User',
      IsActive: true,
      TimeZoneSidKey: 'America/Los_Angeles',
      LocaleSidKey: 'en_US',
      LanguageLocaleKey: 'en_US',
      EmailEncodingKey: 'UTF-8',
    },
    modifiedProperties: [],
    matching: { attribute: 'Username', value: username },
    reasons: [{ code: 'in-scope', message: 'Assigned' }],
    issuedAt: new Date().toISOString(),
  });
}

/** Puts commands on the commands topic, keyed by Entra user id, with CloudEvents headers. */
export async function publishCommands(
  client: KafkaClient,
  topic: string,
  commands: readonly ProvisioningCommandV1[],
): Promise<void> {
  const producer = await client.producer({ source: 'test/mapper' });
  try {
    await producer.send(
      commands.map((value) => ({
        topic,
        key: value.userId,
        value,
        type: TOPIC_SCHEMAS[TOPICS.commands].cloudEventType,
      })),
    );
  } finally {
    await producer.disconnect();
  }
}

/** The results on the results topic, parsed. */
export async function readResults(kafka: KafkaFixture, topic: string, count: number): Promise<ProvisioningResultV1[]> {
  const messages = await kafka.waitForMessages(topic, count, { timeout: 30_000 });
  return messages.map((m) => JSON.parse(m.value ?? 'null') as ProvisioningResultV1);
}

/** The roles, permission sets, public groups and queues a test's mapping gives (to one Entra group). */
export interface MappingRules {
  readonly roles?: readonly string[];
  readonly permissionSets?: readonly string[];
  readonly publicGroups?: readonly string[];
  readonly queues?: readonly string[];
  readonly permissionSetGroups?: readonly string[];
  readonly permissionSetLicenses?: readonly string[];
}

const GROUP = '00000000-0000-0000-0000-000000000001';

/** A group of its own for the nth role rule (one role per group: a second rule would never apply). */
function roleGroup(n: number): string {
  return `00000000-0000-0000-0001-${String(n).padStart(12, '0')}`;
}

/** The default mapping with `rules` and a usernameCollision suffix. */
function mappingYaml(rules: MappingRules, usernameSuffix: string | undefined): string {
  const list = (names: readonly string[] | undefined) => JSON.stringify(names ?? []);
  const roles = (rules.roles ?? []).map((role, n) => `\n  - { group: ${roleGroup(n)}, role: ${JSON.stringify(role)} }`);
  let yaml = DEFAULT_MAPPING_YAML.replace('roleRules: []', `roleRules:${roles.join('') || ' []'}`).replace(
    'permissionSetRules: []',
    rules.permissionSets?.length
      ? `permissionSetRules:\n  - { group: ${GROUP}, permissionSets: ${list(rules.permissionSets)} }`
      : 'permissionSetRules: []',
  );
  if (rules.publicGroups?.length || rules.queues?.length)
    yaml += `\ngroupMembershipRules:\n  - { group: ${GROUP}, publicGroups: ${list(rules.publicGroups)}, queues: ${list(rules.queues)} }\n`;
  if (rules.permissionSetGroups?.length)
    yaml += `\npermissionSetGroupRules:\n  - { group: ${GROUP}, permissionSetGroups: ${list(rules.permissionSetGroups)} }\n`;
  if (rules.permissionSetLicenses?.length)
    yaml += `\npermissionSetLicenseRules:\n  - { group: ${GROUP}, permissionSetLicenses: ${list(rules.permissionSetLicenses)} }\n`;
  if (usernameSuffix !== undefined) yaml += `\nusernameCollision:\n  suffix: ${JSON.stringify(usernameSuffix)}\n`;
  return yaml;
}

export interface RunningWriter {
  readonly service: WriterService;
  readonly redis: Redis;
  stop(): Promise<void>;
}

/**
 * A writer built by `createService`, as `main.ts` builds it, against the test's Kafka, Redis and
 * simulator; only the topics, the consumer group and (to make it fail) the result sink are the
 * test's own.
 */
export async function startWriter(options: {
  kafka: KafkaFixture;
  redis: RedisFixture;
  sim: SalesforceSim;
  topics: WriterTopics;
  groupId: string;
  /** Writer settings of the test's own (`WRITER_MAX_IN_HAND`, …), over the harness's. */
  settings?: Readonly<Record<string, string>>;
  /** Wraps the real sink (to make it fail). */
  sink?: (real: ResultSink) => ResultSink;
  quarantine?: { threshold: number; baseDelayMs: number; maxDelayMs: number; retryDelayMs: number };
  /** The mapping's usernameCollision suffix. */
  usernameSuffix?: string;
  /**
   * What the mapping's rules give (the default mapping gives none): the writer refuses a command
   * that sets a role, permission set, public group, queue, permission set group or permission set
   * licence no rule of its mapping names.
   */
  rules?: MappingRules;
}): Promise<RunningWriter> {
  const quarantine = options.quarantine ?? {
    threshold: 3,
    baseDelayMs: 60_000,
    maxDelayMs: 600_000,
    retryDelayMs: 1_000,
  };
  const env: Record<string, string> = {
    KAFKA_BROKERS: options.kafka.brokers,
    KAFKA_PARTITIONS: '3',
    REDIS_URL: options.redis.url,
    REDIS_PREFIX: options.redis.prefix,
    HTTP_PORT: '0',
    SALESFORCE_LOGIN_URL: options.sim.loginUrl,
    SALESFORCE_ALLOW_INSECURE_HTTP: 'true',
    SALESFORCE_USERNAME: options.sim.credentials.username,
    SALESFORCE_PASSWORD: options.sim.credentials.password,
    SALESFORCE_SECURITY_TOKEN: options.sim.credentials.securityToken,
    SALESFORCE_API_BUDGET_PER_MINUTE: '1000',
    WRITER_MAX_BATCH: '1000',
    WRITER_LINGER_MS: '50',
    WRITER_VALUES_PER_QUERY: '500',
    WRITER_PARTITIONS_CONCURRENTLY: '3',
    WRITER_SESSION_TIMEOUT_MS: '10000',
    WRITER_QUARANTINE_THRESHOLD: String(quarantine.threshold),
    WRITER_QUARANTINE_BASE_DELAY_MS: String(quarantine.baseDelayMs),
    WRITER_QUARANTINE_MAX_DELAY_MS: String(quarantine.maxDelayMs),
    WRITER_RETRY_DELAY_MS: String(quarantine.retryDelayMs),
    ...options.settings,
  };
  let mappingDir: string | undefined;
  if (options.usernameSuffix !== undefined || options.rules !== undefined) {
    // The suffix and the rules come from the mapping file, as in production.
    mappingDir = await mkdtemp(join(tmpdir(), 'writer-mapping-'));
    env['MAPPING_FILE'] = join(mappingDir, 'mapping.yaml');
    await writeFile(env['MAPPING_FILE'], mappingYaml(options.rules ?? {}, options.usernameSuffix));
  }
  const logger = createLogger({ service: 'writer', level: 'silent' });
  const { service, close } = await createService(
    readConfig(env),
    { logger, metrics: createMetrics('writer') },
    { topics: options.topics, groupId: options.groupId, ...(options.sink ? { sink: options.sink } : {}) },
  );
  const redis = new Redis(options.redis.url);
  await service.start();
  return {
    service,
    redis,
    async stop() {
      await service.stop();
      await service.http.close();
      await close();
      redis.disconnect();
      if (mappingDir) await rm(mappingDir, { recursive: true, force: true });
    },
  };
}
