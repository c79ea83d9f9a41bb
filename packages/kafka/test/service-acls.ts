import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, type Admin, ResourcePatternTypes } from 'kafkajs';

/**
 * The ACL layout of docs/security.md ("Kafka: who may do what"): each service's principal writes
 * only the topics it owns (plus the dead-letter topics of what it consumes), reads only what it
 * consumes, and uses only its own consumer groups. Nothing else is allowed
 * (`allow.everyone.if.no.acl.found=false`).
 */
export const SERVICE_ACLS = {
  'provision-ingestor': { writes: ['entra.directory.v1'], reads: [], groups: [] },
  'provision-mapper': {
    // Both lanes of commands: the bulk one and the live one of the changes Entra notified.
    writes: [
      'provisioning.commands.v1',
      'provisioning.commands.live.v1',
      'entra.directory.dlq.v1',
      'provisioning.results.dlq.v1',
    ],
    reads: ['entra.directory.v1', 'provisioning.results.v1'],
    groups: ['provision-mapper'],
  },
  'provision-writer': {
    writes: ['provisioning.results.v1', 'provisioning.commands.dlq.v1', 'provisioning.commands.live.dlq.v1'],
    reads: ['provisioning.commands.v1', 'provisioning.commands.live.v1'],
    // Prefixed: `provision-writer` (bulk lane) and `provision-writer.live` (live lane).
    groups: ['provision-writer'],
  },
  // The audit records, publishes the lifecycle stream it derives from results, and the dead
  // letters of the poison it reads.
  'provision-audit': {
    writes: [
      'provisioning.lifecycle.v1',
      'entra.directory.dlq.v1',
      'provisioning.commands.dlq.v1',
      'provisioning.commands.live.dlq.v1',
      'provisioning.results.dlq.v1',
    ],
    reads: [
      'entra.directory.v1',
      'provisioning.commands.v1',
      'provisioning.commands.live.v1',
      'provisioning.results.v1',
      'entra.directory.dlq.v1',
      'provisioning.commands.dlq.v1',
      'provisioning.commands.live.dlq.v1',
      'provisioning.results.dlq.v1',
    ],
    groups: ['audit'],
  },
} as const satisfies Record<string, { writes: readonly string[]; reads: readonly string[]; groups: readonly string[] }>;

export type ServicePrincipal = keyof typeof SERVICE_ACLS;

/** Creates the layout's ACLs (as a super user), topic names prefixed by `prefix`. */
export async function createServiceAcls(admin: Admin, prefix = ''): Promise<void> {
  const acl = (principal: string, resourceType: AclResourceTypes, name: string, operation: AclOperationTypes) => ({
    resourceType,
    resourceName: name,
    // Groups are prefixed: the mapper's `provision-mapper` and `provision-mapper-results`, the
    // writer's `provision-writer` and `provision-writer.live`, the audit's `audit`,
    // `audit-dead-letters` and `audit-lifecycle`.
    resourcePatternType:
      resourceType === AclResourceTypes.GROUP ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
    principal: `User:${principal}`,
    host: '*',
    operation,
    permissionType: AclPermissionTypes.ALLOW,
  });
  const acls = Object.entries(SERVICE_ACLS).flatMap(([principal, { writes, reads, groups }]) => [
    ...writes.flatMap((t) =>
      [AclOperationTypes.WRITE, AclOperationTypes.DESCRIBE, AclOperationTypes.CREATE].map((op) =>
        acl(principal, AclResourceTypes.TOPIC, `${prefix}${t}`, op),
      ),
    ),
    ...reads.flatMap((t) =>
      [AclOperationTypes.READ, AclOperationTypes.DESCRIBE].map((op) =>
        acl(principal, AclResourceTypes.TOPIC, `${prefix}${t}`, op),
      ),
    ),
    ...groups.map((g) => acl(principal, AclResourceTypes.GROUP, `${prefix}${g}`, AclOperationTypes.READ)),
  ]);
  await admin.createAcls({ acl: acls });
}
