import type { z } from 'zod';
import { ProvisioningCommandV1 } from './commands/v1.ts';
import { DirectoryEventV1 } from './directory/v1.ts';
import { ProvisioningResultV1 } from './results/v1.ts';

/** Topic names, in one place. A breaking change of a schema is a new topic version. */
export const TOPICS = {
  directory: 'entra.directory.v1',
  commands: 'provisioning.commands.v1',
  results: 'provisioning.results.v1',
} as const;
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/** Each topic's schema, its CloudEvents type prefix and the field its messages are keyed by. */
export const TOPIC_SCHEMAS = {
  [TOPICS.directory]: { schema: DirectoryEventV1, cloudEventType: 'com.provision.entra.directory.v1' },
  [TOPICS.commands]: { schema: ProvisioningCommandV1, cloudEventType: 'com.provision.provisioning.command.v1' },
  [TOPICS.results]: { schema: ProvisioningResultV1, cloudEventType: 'com.provision.provisioning.result.v1' },
} as const satisfies Record<TopicName, { schema: z.ZodType; cloudEventType: string }>;

/** `provisioning.commands.v1` → `provisioning.commands.retry.v1`. */
export function retryTopic(topic: TopicName): string {
  return topic.replace(/\.v(\d+)$/, '.retry.v$1');
}

/** `provisioning.commands.v1` → `provisioning.commands.dlq.v1`. */
export function deadLetterTopic(topic: TopicName): string {
  return topic.replace(/\.v(\d+)$/, '.dlq.v$1');
}

/** The message key: every topic is keyed by the Entra object id of the user it is about. */
export function keyOf(event: { userId: string } | { syncId: string; type: string }): string {
  return 'userId' in event ? event.userId : `sync:${event.syncId}`;
}
