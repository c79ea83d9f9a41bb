import { z } from 'zod';
import { CLOUDEVENTS_SPECVERSION } from './cloudevents.ts';
import { deadLetterTopic } from './topic-names.ts';
import { TOPIC_SCHEMAS, TOPICS, type TopicName } from './topics.ts';

/** A golden fixture, as `fixtures/<name>.v1.json` holds it. */
export interface AsyncApiExample {
  name: string;
  topic: TopicName;
  key: string;
  value: unknown;
}

type Doc = Record<string, unknown>;

const KAFKA_BINDING = '0.5.0';

/** What the document says of each topic besides its schema: who writes it, what is in it. */
const TOPIC_TEXT: Record<TopicName, { id: string; title: string; producer: string; what: string; key: string }> = {
  [TOPICS.directory]: {
    id: 'entraDirectory',
    title: 'Entra directory facts',
    producer: '/provision/ingestor',
    what:
      'Facts read from Microsoft Graph: users upserted and removed (soft or hard), membership and app-role ' +
      'assignment changes fanned out per user, and the start and end markers of each sync round. A sync ' +
      'marker is written once to every partition, after the facts of that round in that partition.',
    key:
      'The Entra object id of the user the fact is about. Sync markers: `sync:<syncId>:<n>`, one copy ' +
      'per partition, `n` being the smallest number whose key hashes to that partition.',
  },
  [TOPICS.commands]: {
    id: 'provisioningCommands',
    title: 'Provisioning commands',
    producer: '/provision/mapper',
    what:
      'What the mapper decided Salesforce should become for one user: create, update, disable, reactivate ' +
      'or skip, with the desired fields, the diff, the matching attribute, the reasons and the change id.',
    key: 'The Entra object id of the user (`userId`).',
  },
  [TOPICS.liveCommands]: {
    id: 'provisioningLiveCommands',
    title: 'Provisioning commands, live lane',
    producer: '/provision/mapper',
    what:
      'The same commands as `provisioning.commands.v1`, for the changes Entra notified and for ' +
      'provisioning on demand: a lane that does not wait behind a full sync’s backlog. A user’s command ' +
      'is sent here only when none of that user’s earlier commands is unanswered in the other lane (and ' +
      'a command decided while one is unanswered here follows it here), so the two topics together ' +
      'keep each user’s commands in the order they were decided. A subscriber of commands reads both.',
    key: 'The Entra object id of the user (`userId`).',
  },
  [TOPICS.results]: {
    id: 'provisioningResults',
    title: 'Provisioning results',
    producer: '/provision/writer',
    what:
      "One result per command, as Entra's provisioning log records it: action, status (success, failure, " +
      'skipped, warning), the Salesforce id, the error code and message, the modified properties and timing.',
    key: 'The Entra object id of the user (`userId`).',
  },
  [TOPICS.lifecycle]: {
    id: 'userLifecycle',
    title: 'User lifecycle',
    producer: '/provision/audit',
    what:
      'What happened to a person’s Salesforce access, derived by the audit service from ' +
      '`provisioning.results.v1`: one event per successful, non-dry-run result that changed it. ' +
      '`joiner`: a Salesforce user was created. `provisioned`: an existing Salesforce user was linked or ' +
      'reactivated. `mover`: an active user’s fields changed. `leaver`: deactivated because the person ' +
      'was deleted or disabled in Entra. `deprovisioned`: deactivated for another reason (unassigned, out ' +
      'of scope). Failures, skips and dry runs give no event. Each event says whether the Salesforce ' +
      'user is `active` afterwards, so a "who is active" table needs only the last event per key. ' +
      'On redelivery of a result (at least once) the same event is published again with the same ' +
      '`eventId` (`<commandId>:lifecycle`, also `ce_id`): drop ids you have seen, or apply it again — ' +
      'it states a result, not a delta. Should the writer run a command twice (a crash before its ' +
      'commit), the second result can classify differently (`provisioned` where `joiner` was, as the ' +
      'user is then found by its link) under the same `eventId`, with the same user and Salesforce id.',
    key: 'The Entra object id of the user (`userId`).',
  },
};

const ORDERING =
  'Ordering: every message about one user has that user’s key, and the producers use the ' +
  'Java-compatible murmur2 partitioner, so all of one user’s messages are in one partition, in the ' +
  'order they were decided. There is no order across users or across topics. ' +
  'Delivery: at least once; a consumer may see a message twice after a producer or consumer restart.';

const RETENTION =
  'Retention: Provision creates its topics (`KAFKA_PARTITIONS`, default 6 partitions) with delete ' +
  'cleanup and no retention setting of its own, so the cluster’s default applies (Kafka: 7 days). ' +
  'A subscriber that is down longer than that misses events: it should rebuild from ' +
  'the audit API or wait for the next full sync.';

const COMPATIBILITY = [
  'Compatibility within v1 (each topic name ends with its major version):',
  '- Allowed within v1: new optional fields (absent in older messages, with the meaning of their absence ' +
    'documented); new values of an enum documented as open (the lifecycle `reasons`, a directory ' +
    '`counts` key, an error `code`); new topics; new CloudEvents extension headers.',
  '- Not within v1 (a `.v2` topic, published beside `.v1` for a deprecation period): removing or ' +
    'renaming a field, making an optional field required, changing a type or the meaning of a value, ' +
    'new values of a closed enum (`type`, `action`, `status`, lifecycle `type`), changing the key.',
  '- Consumers must ignore fields and headers they do not know (the schemas here do not forbid ' +
    'additional properties; `@provision/subscriber` strips them), and must not fail on a sync marker ' +
    'or event type they do not handle.',
  '- Every golden fixture of every version keeps parsing with the current schema: a test enforces it.',
].join('\n');

const DESCRIPTION = [
  'Provision keeps Salesforce users in step with Microsoft Entra ID through Kafka topics. Every topic is ' +
    'a public API: subscribe with your own consumer group. This document is generated from the zod ' +
    'schemas in `packages/events` (`./pnpmw --silent --filter @provision/events asyncapi`); a test fails ' +
    'when it is stale.',
  '',
  'Headers: the CloudEvents Kafka protocol binding in binary mode — the attributes travel as `ce_*` ' +
    'headers, the data as the message value (UTF-8 JSON, `content-type: application/json`) — plus the ' +
    'W3C `traceparent`, so one trace follows a change from Graph to Salesforce.',
  '',
  ORDERING,
  '',
  RETENTION,
  '',
  COMPATIBILITY,
].join('\n');

function headersSchema(cloudEventType: string, source: string): Doc {
  return {
    type: 'object',
    required: ['ce_specversion', 'ce_id', 'ce_type', 'ce_source', 'ce_time', 'content-type', 'traceparent'],
    properties: {
      ce_specversion: { type: 'string', const: CLOUDEVENTS_SPECVERSION, description: 'CloudEvents spec version.' },
      ce_id: { type: 'string', description: 'Unique per event (a UUID, or the event’s own id).' },
      ce_type: { type: 'string', const: cloudEventType },
      ce_source: { type: 'string', description: 'The producing service.', examples: [source] },
      ce_time: { type: 'string', format: 'date-time', description: 'When the event was produced.' },
      ce_subject: { type: 'string', description: 'Optional: what the event is about.' },
      'content-type': { type: 'string', const: 'application/json' },
      traceparent: {
        type: 'string',
        pattern: '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
        description: 'W3C trace context.',
      },
    },
  };
}

const DEAD_LETTER_HEADERS: Doc = {
  type: 'object',
  required: ['dlq_reason_code', 'dlq_reason', 'dlq_source_topic', 'dlq_source_partition', 'dlq_source_offset'],
  description: 'The original message’s headers, plus these.',
  properties: {
    dlq_reason_code: {
      type: 'string',
      description:
        '`PRV_EVENT_UNDECODABLE`, `PRV_EVENT_INVALID`, `PRV_EVENT_KEY_MISMATCH`, `PRV_EVENT_OVERSIZE`, ' +
        '`PRV_HANDLER_FAILED`, or the handler’s own error code (see docs/errors.md).',
    },
    dlq_reason: { type: 'string' },
    dlq_source_topic: { type: 'string' },
    dlq_source_partition: { type: 'string' },
    dlq_source_offset: { type: 'string' },
    dlq_consumer_group: { type: 'string', description: 'The group that gave up on it.' },
    dlq_attempts: { type: 'string' },
    dlq_time: { type: 'string', format: 'date-time' },
    dlq_truncated: {
      type: 'string',
      description: 'When the dead letter was too large: what was cut (`key`, `value`, `headers`).',
    },
    dlq_original_key_bytes: { type: 'string' },
    dlq_original_value_bytes: { type: 'string' },
    dlq_value_reencoded: {
      type: 'string',
      enum: ['true'],
      description:
        'The value is the decoded event re-encoded as JSON, not the bytes as sent: a consumer reading ahead ' +
        'keeps no bytes in hand, so a message its handler gives up on goes so. Same content, defaults ' +
        'filled in; a replay accepts it. Poison and refused commands keep their bytes.',
    },
  },
};

const kafkaKey = (description: string) => ({
  kafka: { key: { type: 'string', description }, bindingVersion: KAFKA_BINDING },
});

const channelBindings = (topic: string) => ({
  kafka: {
    topic,
    topicConfiguration: { 'cleanup.policy': ['delete'] },
    bindingVersion: KAFKA_BINDING,
  },
});

/**
 * The AsyncAPI 3 document of every topic, built from the zod schemas (payloads as JSON Schema
 * draft-07, AsyncAPI's own schema dialect), with `examples` (the golden fixtures) as message examples.
 */
export function asyncApiDocument(examples: readonly AsyncApiExample[] = []): Doc {
  const channels: Doc = {};
  const operations: Doc = {};
  const messages: Doc = {};
  const schemas: Doc = {};
  for (const topic of Object.values(TOPICS)) {
    const text = TOPIC_TEXT[topic];
    const { schema, cloudEventType } = TOPIC_SCHEMAS[topic];
    const payloadName = `${text.id}Payload`;
    schemas[payloadName] = z.toJSONSchema(schema, { target: 'draft-7', io: 'input' });
    delete (schemas[payloadName] as Doc)['$schema'];
    messages[text.id] = {
      name: text.id,
      title: text.title,
      contentType: 'application/json',
      headers: headersSchema(cloudEventType, text.producer),
      payload: { $ref: `#/components/schemas/${payloadName}` },
      correlationId: { description: 'The W3C trace of the change.', location: '$message.header#/traceparent' },
      bindings: kafkaKey(text.key),
      examples: examples
        .filter((e) => e.topic === topic)
        .map((e) => ({ name: e.name, summary: `fixtures/${e.name}.json (key ${e.key})`, payload: e.value })),
    };
    channels[text.id] = {
      address: topic,
      title: text.title,
      description: `${text.what}\n\nKey: ${text.key}\n\nWritten by ${text.producer}; CloudEvents type \`${cloudEventType}\`.`,
      messages: { [text.id]: { $ref: `#/components/messages/${text.id}` } },
      bindings: channelBindings(topic),
    };
    operations[`send${capital(text.id)}`] = {
      action: 'send',
      title: `${text.producer} publishes ${topic}`,
      channel: { $ref: `#/channels/${text.id}` },
      messages: [{ $ref: `#/channels/${text.id}/messages/${text.id}` }],
    };
    if (topic === TOPICS.lifecycle) continue;
    // Provision's own consumers dead-letter here; a subscriber using @provision/kafka does too.
    const dlq = deadLetterTopic(topic);
    const dlqId = `${text.id}DeadLetters`;
    messages[dlqId] = {
      name: dlqId,
      title: `Dead letter of ${topic}`,
      summary: 'A message a consumer could not process, with the reason; the partition moved on.',
      contentType: 'application/octet-stream',
      headers: DEAD_LETTER_HEADERS,
      payload: {
        description: `The original value bytes (gzip on the wire); usually a ${topic} message, possibly not JSON.`,
      },
      bindings: kafkaKey('The original message key (its first 1 KiB when the dead letter was reduced).'),
    };
    channels[dlqId] = {
      address: dlq,
      title: `Dead letters of ${topic}`,
      description:
        `Messages of \`${topic}\` that a consumer group could not process (undecodable, invalid, wrong key, ` +
        'too large, or failing after its retries), recorded by the audit service. Same partition count ' +
        'as the source topic. A poison message never blocks its partition.',
      messages: { [dlqId]: { $ref: `#/components/messages/${dlqId}` } },
      bindings: channelBindings(dlq),
    };
    operations[`send${capital(dlqId)}`] = {
      action: 'send',
      title: `A consumer of ${topic} dead-letters`,
      channel: { $ref: `#/channels/${dlqId}` },
      messages: [{ $ref: `#/channels/${dlqId}/messages/${dlqId}` }],
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Provision events',
      version: '1.0.0',
      description: DESCRIPTION,
    },
    defaultContentType: 'application/json',
    servers: {
      kafka: {
        host: '{brokers}',
        protocol: 'kafka',
        description:
          'Your Kafka cluster (`KAFKA_BROKERS`). Topic names carry `TOPIC_PREFIX` when one is set. TLS and SASL ' +
          '(SCRAM-SHA-512 or OAUTHBEARER) as docs/security.md describes.',
        variables: { brokers: { default: 'localhost:9092', description: 'host:port of a bootstrap broker' } },
      },
    },
    channels,
    operations,
    components: { messages, schemas },
  };
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
