import type { ProvisioningCommandV1, ProvisioningResultV1, SyncMarker } from '@provision/events';
import type pg from 'pg';
import { upnFromMatching } from '../domain/log-entry.ts';
import type { AuditItem, DeadLetterInput } from '../domain/ports.ts';

/** A pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

const json = (v: unknown) => JSON.stringify(v);

/**
 * PostgreSQL's text and jsonb cannot hold U+0000, which JSON can: a valid event must not become
 * poison for it, so NULs are replaced before writing.
 */
export function withoutNul<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value) as T;
  if (Array.isArray(value)) return value.map(withoutNul) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutNul(k), withoutNul(v)])) as T;
  }
  return value;
}

/** The order rows are written in within one transaction (markers last: they update many rows). */
export function byCommandId(a: AuditItem, b: AuditItem): number {
  const key = (i: AuditItem) =>
    i.kind === 'command' ? i.command.commandId : i.kind === 'result' ? i.result.commandId : '\uffff';
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

/** The cycle a command belongs to: the latest sync round that had started when it was issued. */
const CYCLE_OF = `(SELECT sync_id FROM sync_runs WHERE started_at <= $ISSUED::timestamptz ORDER BY started_at DESC LIMIT 1)`;

const UPSERT_COMMAND = `
INSERT INTO provisioning_log (
  command_id, change_id, user_id, action, cycle_id, user_principal_name, matching_attribute, matching_value,
  fields, command_modified, reasons, origin, issued_at, dry_run, salesforce_id, has_command, activity_at, initiated_by)
VALUES ($1, $2, $3, $4, ${CYCLE_OF.replace('$ISSUED', '$13')}, $5, $6, $7, $8, $9, $10, $11, $13, $12, $14, true, $13, $15)
ON CONFLICT (command_id) DO UPDATE SET
  change_id = EXCLUDED.change_id,
  cycle_id = COALESCE(provisioning_log.cycle_id, EXCLUDED.cycle_id),
  user_principal_name = EXCLUDED.user_principal_name,
  matching_attribute = EXCLUDED.matching_attribute,
  matching_value = EXCLUDED.matching_value,
  fields = EXCLUDED.fields,
  command_modified = EXCLUDED.command_modified,
  reasons = EXCLUDED.reasons,
  origin = EXCLUDED.origin,
  initiated_by = EXCLUDED.initiated_by,
  issued_at = EXCLUDED.issued_at,
  salesforce_id = COALESCE(provisioning_log.salesforce_id, EXCLUDED.salesforce_id),
  has_command = true,
  -- the result's action is what was done; the command's is what was asked: keep the result's
  action = CASE WHEN provisioning_log.has_result THEN provisioning_log.action ELSE EXCLUDED.action END,
  activity_at = CASE WHEN provisioning_log.has_result THEN provisioning_log.activity_at ELSE EXCLUDED.activity_at END`;

// A redelivered result changes nothing; a later attempt of the same command replaces an earlier one.
const UPSERT_RESULT = `
INSERT INTO provisioning_log (
  command_id, change_id, user_id, action, status, salesforce_id, linked_by, error_code, error_message,
  error_retriable, error_fields, recommended_action, result_modified, dry_run, attempt, started_at,
  completed_at, duration_ms, has_result, activity_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, true, $17)
ON CONFLICT (command_id) DO UPDATE SET
  action = EXCLUDED.action, status = EXCLUDED.status,
  salesforce_id = COALESCE(EXCLUDED.salesforce_id, provisioning_log.salesforce_id),
  linked_by = EXCLUDED.linked_by, error_code = EXCLUDED.error_code, error_message = EXCLUDED.error_message,
  error_retriable = EXCLUDED.error_retriable, error_fields = EXCLUDED.error_fields,
  recommended_action = EXCLUDED.recommended_action, result_modified = EXCLUDED.result_modified,
  dry_run = EXCLUDED.dry_run, attempt = EXCLUDED.attempt, started_at = EXCLUDED.started_at,
  completed_at = EXCLUDED.completed_at, duration_ms = EXCLUDED.duration_ms, has_result = true,
  activity_at = EXCLUDED.activity_at,
  notified_at = CASE WHEN EXCLUDED.status = 'failure' THEN NULL ELSE provisioning_log.notified_at END
WHERE provisioning_log.attempt IS NULL OR EXCLUDED.attempt > provisioning_log.attempt`;

/** Upserts the command's half of its row. */
export async function writeCommand(db: Queryable, command: ProvisioningCommandV1): Promise<void> {
  const c = withoutNul(command);
  await db.query(UPSERT_COMMAND, [
    c.commandId,
    c.changeId,
    c.userId,
    c.action,
    upnFromMatching(c.matching),
    c.matching?.attribute ?? null,
    c.matching?.value ?? null,
    json(c.fields),
    json(c.modifiedProperties),
    json(c.reasons),
    c.origin,
    c.dryRun,
    c.issuedAt,
    c.salesforceId ?? null,
    c.initiatedBy ? json(c.initiatedBy) : null,
  ]);
}

/** Upserts the result's half of its row (a later attempt wins; a redelivery changes nothing). */
export async function writeResult(db: Queryable, result: ProvisioningResultV1): Promise<void> {
  const r = withoutNul(result);
  await db.query(UPSERT_RESULT, [
    r.commandId,
    r.changeId,
    r.userId,
    r.action,
    r.status,
    r.salesforceId,
    r.linkedBy,
    r.error?.code ?? null,
    r.error?.message ?? null,
    r.error?.retriable ?? null,
    r.error ? json(r.error.fields) : null,
    r.error?.recommendedAction ?? null,
    json(r.modifiedProperties),
    r.dryRun,
    r.attempt,
    r.startedAt,
    r.completedAt,
    r.durationMs,
  ]);
}

/** Upserts a sync round from one partition's marker. */
export async function writeSyncMarker(db: Queryable, m: SyncMarker, partition: number): Promise<void> {
  // Markers come once per partition: the earliest start and the latest completion win.
  const started = m.type === 'sync.started';
  await db.query(
    `INSERT INTO sync_runs (sync_id, mode, started_at, completed_at, counts, started_partitions, completed_partitions)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (sync_id) DO UPDATE SET
       started_at = LEAST(sync_runs.started_at, EXCLUDED.started_at),
       completed_at = GREATEST(sync_runs.completed_at, EXCLUDED.completed_at),
       counts = COALESCE(EXCLUDED.counts, sync_runs.counts),
       started_partitions = ARRAY(SELECT DISTINCT unnest(sync_runs.started_partitions || EXCLUDED.started_partitions) ORDER BY 1),
       completed_partitions = ARRAY(SELECT DISTINCT unnest(sync_runs.completed_partitions || EXCLUDED.completed_partitions) ORDER BY 1)`,
    [
      m.syncId,
      m.mode,
      started ? m.at : null,
      started ? null : m.at,
      m.counts ? json(m.counts) : null,
      started ? [partition] : [],
      started ? [] : [partition],
    ],
  );
  // Markers and commands travel on different topics, so a command can be logged before the
  // marker of its cycle: claim the commands issued since this round started.
  if (started) {
    await db.query(
      `UPDATE provisioning_log SET cycle_id = $1
       WHERE issued_at >= $2::timestamptz AND cycle_id IS DISTINCT FROM $1
         AND (cycle_id IS NULL OR cycle_id IN (SELECT sync_id FROM sync_runs WHERE started_at < $2::timestamptz))`,
      [m.syncId, m.at],
    );
  }
}

/** Inserts a dead letter once per (topic, partition, offset). */
export async function writeDeadLetter(db: Queryable, d: DeadLetterInput): Promise<void> {
  await db.query(
    `INSERT INTO dead_letters (topic, source_topic, kafka_partition, kafka_offset, message_key, reason, error_code, headers, payload, payload_encoding)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (topic, kafka_partition, kafka_offset) DO NOTHING`,
    [
      d.topic,
      d.sourceTopic,
      d.partition,
      d.offset,
      d.key,
      d.reason,
      d.errorCode,
      json(d.headers),
      d.payload,
      d.payloadEncoding,
    ],
  );
}
