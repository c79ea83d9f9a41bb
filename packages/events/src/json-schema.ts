import { z } from 'zod';
import { TOPIC_SCHEMAS, type TopicName } from './topics.ts';

/** JSON Schema (draft 2020-12) of a topic's message value, generated from its zod schema. */
export function topicJsonSchema(topic: TopicName): Record<string, unknown> {
  const { schema, cloudEventType } = TOPIC_SCHEMAS[topic];
  return {
    $id: `urn:provision:schema:${topic}`,
    title: topic,
    description: `Value of a message on the Kafka topic ${topic} (CloudEvents type ${cloudEventType}).`,
    ...z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }),
  };
}
