import type { z } from 'zod';
import { ProvisioningCommandV1 } from './commands/v1.ts';
import { DirectoryEventV1 } from './directory/v1.ts';
import { LifecycleEventV1 } from './lifecycle/v1.ts';
import { ProvisioningResultV1 } from './results/v1.ts';

/** Topic names, in one place. A breaking change of a schema is a new topic version. */
export const TOPICS = {
  directory: 'entra.directory.v1',
  commands: 'provisioning.commands.v1',
  /**
   * The same commands, for the changes Entra notified (and provisioning on demand): a lane past a
   * sync's backlog in `commands`. The mapper sends a user's command here only when none of the
   * user's earlier commands is still unanswered in the other lane, so each user's commands are
   * still carried out in the order they were decided.
   */
  liveCommands: 'provisioning.commands.live.v1',
  results: 'provisioning.results.v1',
  /** Joiner, mover, leaver, provisioned, deprovisioned: derived from results by the audit service. */
  lifecycle: 'provisioning.lifecycle.v1',
} as const;
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/** Each topic's schema, its CloudEvents type prefix and the field its messages are keyed by. */
export const TOPIC_SCHEMAS = {
  [TOPICS.directory]: { schema: DirectoryEventV1, cloudEventType: 'com.provision.entra.directory.v1' },
  [TOPICS.commands]: { schema: ProvisioningCommandV1, cloudEventType: 'com.provision.provisioning.command.v1' },
  [TOPICS.liveCommands]: { schema: ProvisioningCommandV1, cloudEventType: 'com.provision.provisioning.command.v1' },
  [TOPICS.results]: { schema: ProvisioningResultV1, cloudEventType: 'com.provision.provisioning.result.v1' },
  [TOPICS.lifecycle]: { schema: LifecycleEventV1, cloudEventType: 'com.provision.user.lifecycle.v1' },
} as const satisfies Record<TopicName, { schema: z.ZodType; cloudEventType: string }>;

/** The message key: every topic is keyed by the Entra object id of the user it is about. */
export function keyOf(event: { userId: string } | { syncId: string; type: string }): string {
  return 'userId' in event ? event.userId : `sync:${event.syncId}`;
}

/**
 * Whether `key` is the right message key for `event`: undefined when it is, else what is wrong. An
 * event about a user must be keyed by that user's id; a sync marker by `sync:<syncId>`, with the
 * `:<n>` suffix that places its copy on each partition. Consumers dead-letter a mismatch: a forged
 * key would have a user decided in another user's partition, out of order.
 */
export function keyProblem(event: unknown, key: string): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const e = event as { userId?: unknown; syncId?: unknown };
  if (typeof e.userId === 'string') {
    return e.userId === key
      ? undefined
      : `message key "${clip(key)}" is not the userId "${clip(e.userId)}" the event is about`;
  }
  if (typeof e.syncId === 'string') {
    const marker = `sync:${e.syncId}`;
    return key === marker || key.startsWith(`${marker}:`)
      ? undefined
      : `message key "${clip(key)}" is not the sync marker key "${clip(marker)}[:n]"`;
  }
  return undefined;
}

const clip = (text: string) => (text.length > 100 ? `${text.slice(0, 100)}…` : text);
