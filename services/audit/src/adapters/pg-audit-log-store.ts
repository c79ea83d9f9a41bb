import type { ProvisioningCommandV1, ProvisioningResultV1, SyncMarker } from '@provision/events';
import { inSpan } from '@provision/telemetry';
import pg from 'pg';
import PgCursor from 'pg-cursor';
import type { FailureItem } from '../domain/digest.ts';
import type { LogRecord } from '../domain/log-entry.ts';
import type { Cursor, LogQuery } from '../domain/log-query.ts';
import type { AuditItem, AuditLogStore, DeadLetterInput, DeadLetterRecord, LogExport } from '../domain/ports.ts';
import { type SyncRun, type SyncStatus, syncStateOf } from '../domain/sync-status.ts';
import { whereOf } from './pg-log-where.ts';
import { byCommandId, writeCommand, writeDeadLetter, writeResult, writeSyncMarker } from './pg-log-writes.ts';
import { migrate } from './pg-migrate.ts';

type Row = Record<string, unknown>;

const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : v == null ? null : String(v));

/** Options of the PostgreSQL store. */
export interface PgStoreOptions {
  connectionString: string;
  /** Every table lives in this schema; tests use one of their own. */
  schema: string;
  /** Pool size; the audit needs few connections. */
  max?: number;
  /** PostgreSQL cancels any statement running longer (`statement_timeout`); 0 turns it off. */
  statementTimeoutMs?: number;
  /** Rows an export reads from the database at a time. */
  exportBatchSize?: number;
  /** An export whose reader stops reading for this long loses its connection (`idle_in_transaction_session_timeout`). */
  exportIdleTimeoutMs?: number;
}

/** The statement timeout when none is given: no query of the audit should run longer. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;

/** `AuditLogStore` on PostgreSQL (`pg`), in its own schema. */
export class PgAuditLogStore implements AuditLogStore {
  readonly pool: pg.Pool;
  readonly schema: string;
  private readonly exportBatchSize: number;
  private readonly exportIdleTimeoutMs: number;

  constructor(options: PgStoreOptions) {
    this.schema = options.schema;
    this.exportBatchSize = options.exportBatchSize ?? 500;
    this.exportIdleTimeoutMs = options.exportIdleTimeoutMs ?? 60_000;
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.max ?? 5,
      options: `-c search_path="${options.schema}"`,
      statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    });
  }

  async migrate(): Promise<void> {
    await migrate(this.pool, this.schema);
  }

  async recordCommand(c: ProvisioningCommandV1): Promise<void> {
    await writeCommand(this.pool, c);
  }

  async recordResult(r: ProvisioningResultV1): Promise<void> {
    await writeResult(this.pool, r);
  }

  async recordSyncMarker(m: SyncMarker, partition: number): Promise<void> {
    await writeSyncMarker(this.pool, m, partition);
  }

  async recordDeadLetter(d: DeadLetterInput): Promise<void> {
    await writeDeadLetter(this.pool, d);
  }

  async record(items: readonly AuditItem[]): Promise<void> {
    if (items.length === 0) return;
    // One span per transaction, in the trace of the batch it writes (the consumer's handle span).
    const attributes = {
      'db.system.name': 'postgresql',
      'db.operation.name': 'INSERT',
      'db.namespace': this.schema,
      'provision.audit.rows': items.length,
      'provision.audit.kinds': [...new Set(items.map((i) => i.kind))].sort().join(','),
    };
    await inSpan('audit insert', { kind: 'client', attributes }, async () => {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        // One commit for a whole batch; rows locked in commandId order so that two batches touching
        // the same users (a command batch and a result batch) never deadlock.
        for (const item of [...items].sort(byCommandId)) {
          if (item.kind === 'command') await writeCommand(client, item.command);
          else if (item.kind === 'result') await writeResult(client, item.result);
          else await writeSyncMarker(client, item.marker, item.partition);
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    });
  }

  async queryLogs(q: LogQuery): Promise<{ records: LogRecord[]; next: Cursor | null }> {
    const { sql, params } = whereOf(q);
    const { rows } = await this.pool.query(
      `SELECT * FROM provisioning_log ${sql} ORDER BY activity_at DESC, command_id DESC LIMIT ${q.limit + 1}`,
      params,
    );
    const records = rows.slice(0, q.limit).map(toRecord);
    const last = records.at(-1);
    const next = rows.length > q.limit && last ? { activityAt: last.activityAt, commandId: last.commandId } : null;
    return { records, next };
  }

  async exportLogs(q: LogQuery): Promise<LogExport> {
    const { sql, params } = whereOf(q);
    const order = 'ORDER BY activity_at DESC, command_id DESC';
    const client = await this.pool.connect();
    // A checked-out client has no error listener of the pool's: a dropped connection mid-export must
    // fail the export, not the process.
    const onError = () => undefined;
    client.on('error', onError);
    let cursor: PgCursor | null = null;
    let released = false;
    const release = async (error?: Error) => {
      if (released) return;
      released = true;
      await cursor?.close().catch(() => undefined);
      if (!error) await client.query('COMMIT').catch(() => undefined);
      client.off('error', onError);
      client.release(error ?? undefined);
    };
    try {
      // One snapshot for the next-page position and the rows; a reader that stops reading is cut
      // off rather than holding a connection and a snapshot for ever.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`SET LOCAL idle_in_transaction_session_timeout = ${Math.trunc(this.exportIdleTimeoutMs)}`);
      const edge = await client.query(
        `SELECT activity_at, command_id FROM provisioning_log ${sql} ${order} OFFSET ${q.limit - 1} LIMIT 2`,
        params,
      );
      const last = edge.rows[0];
      const next =
        edge.rows.length === 2 && last ? { activityAt: iso(last.activity_at) ?? '', commandId: last.command_id } : null;
      cursor = client.query(new PgCursor(`SELECT * FROM provisioning_log ${sql} ${order} LIMIT ${q.limit}`, params));
      const open = cursor;
      const batch = this.exportBatchSize;
      async function* records(): AsyncGenerator<LogRecord> {
        try {
          for (;;) {
            const rows = await open.read(batch);
            for (const row of rows) yield toRecord(row);
            if (rows.length < batch) break;
          }
          await release();
        } catch (error) {
          await release(error as Error);
          throw error;
        } finally {
          // Returned early (the reader went away): the rows left are not read.
          await release();
        }
      }
      return { next, records: records(), close: () => release() };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      await release(error as Error);
      throw error;
    }
  }

  async getLog(commandId: string): Promise<LogRecord | null> {
    const { rows } = await this.pool.query('SELECT * FROM provisioning_log WHERE command_id = $1', [commandId]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async syncStatus(): Promise<Omit<SyncStatus, 'quarantine' | 'quarantineLastCleared' | 'paused' | 'generatedAt'>> {
    const runs = await this.pool.query(
      `(SELECT *, 'full' AS which FROM sync_runs WHERE mode = 'full' ORDER BY started_at DESC NULLS LAST LIMIT 1)
       UNION ALL
       (SELECT *, 'latest' AS which FROM sync_runs ORDER BY started_at DESC NULLS LAST LIMIT 1)`,
    );
    const full = runs.rows.find((r) => r.which === 'full');
    const latest = runs.rows.find((r) => r.which === 'latest');
    const anyCompleted = await this.pool.query(
      `SELECT EXISTS (SELECT 1 FROM sync_runs WHERE mode = 'full' AND completed_at IS NOT NULL) AS done`,
    );
    const since = full ? iso(full.started_at) : null;
    // Rows since the full sync started: commands by issue time, results-only rows by completion.
    const window = since === null ? 'TRUE' : `COALESCE(issued_at, completed_at) >= $1::timestamptz`;
    const params = since === null ? [] : [since];
    const [progress, byStatus, byAction, byError, byOutcome, last, dead] = await Promise.all([
      this.pool.query(
        `SELECT count(*) FILTER (WHERE has_command) AS issued,
                count(*) FILTER (WHERE has_command AND has_result) AS received,
                count(*) FILTER (WHERE has_command AND NOT has_result) AS pending
         FROM provisioning_log WHERE ${window}`,
        params,
      ),
      this.pool.query(`SELECT status AS k, count(*) AS n FROM provisioning_log WHERE ${window} GROUP BY 1`, params),
      this.pool.query(`SELECT action AS k, count(*) AS n FROM provisioning_log WHERE ${window} GROUP BY 1`, params),
      this.pool.query(
        `SELECT error_code AS k, count(*) AS n FROM provisioning_log WHERE ${window} AND error_code IS NOT NULL GROUP BY 1`,
        params,
      ),
      this.pool.query(
        `SELECT CASE
           WHEN status = 'failure' THEN 'failed'
           WHEN status IN ('skipped', 'pending') THEN status
           WHEN action = 'create' AND linked_by = 'created' THEN 'created'
           WHEN action = 'create' THEN 'matched'
           WHEN action = 'disable' THEN 'deactivated'
           WHEN action = 'reactivate' THEN 'reactivated'
           WHEN action = 'skip' THEN 'skipped'
           ELSE 'updated' END AS k, count(*) AS n
         FROM provisioning_log WHERE ${window} GROUP BY 1`,
        params,
      ),
      this.pool.query(
        `SELECT command_id, change_id, user_id, action, status, completed_at FROM provisioning_log
         WHERE has_result ORDER BY completed_at DESC, command_id DESC LIMIT 1`,
      ),
      this.pool.query('SELECT count(*) AS n, max(received_at) AS latest FROM dead_letters'),
    ]);
    const counts = (rows: Row[]) => Object.fromEntries(rows.map((r) => [String(r.k), Number(r.n)]));
    const p = progress.rows[0] ?? {};
    const l = last.rows[0];
    return {
      fullSync: full ? { ...toRun(full), state: syncStateOf(toRun(full)) } : { state: 'not-started' },
      initialSyncCompleted: Boolean(anyCompleted.rows[0]?.done),
      latestSync: latest ? toRun(latest) : null,
      progress: {
        since,
        commandsIssued: Number(p.issued ?? 0),
        resultsReceived: Number(p.received ?? 0),
        pending: Number(p.pending ?? 0),
      },
      counts: {
        byStatus: counts(byStatus.rows),
        byAction: counts(byAction.rows),
        byErrorCode: counts(byError.rows),
        byOutcome: counts(byOutcome.rows),
      },
      lastChange: l
        ? {
            commandId: l.command_id,
            changeId: l.change_id,
            userId: l.user_id,
            action: l.action,
            status: l.status,
            completedAt: iso(l.completed_at) ?? '',
          }
        : null,
      deadLetters: { total: Number(dead.rows[0]?.n ?? 0), latestAt: iso(dead.rows[0]?.latest) },
    };
  }

  async listDeadLetters(limit: number): Promise<DeadLetterRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM dead_letters ORDER BY received_at DESC, id DESC LIMIT $1', [
      limit,
    ]);
    return rows.map((r) => ({
      id: String(r.id),
      topic: r.topic,
      sourceTopic: r.source_topic,
      partition: r.kafka_partition,
      offset: r.kafka_offset,
      key: r.message_key,
      reason: r.reason,
      errorCode: r.error_code,
      headers: r.headers,
      payload: r.payload,
      payloadEncoding: r.payload_encoding === 'base64' ? 'base64' : 'utf8',
      receivedAt: iso(r.received_at) ?? '',
    }));
  }

  async unnotifiedFailures(limit: number): Promise<FailureItem[]> {
    const { rows } = await this.pool.query(`${UNNOTIFIED} LIMIT $1`, [limit]);
    return rows.map(toFailure);
  }

  async reportFailures(limit: number, at: Date, send: (failures: FailureItem[]) => Promise<void>): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Rows another replica is reporting right now are skipped, not waited for or sent twice.
      const { rows } = await client.query(`${UNNOTIFIED} LIMIT $1 FOR UPDATE SKIP LOCKED`, [limit]);
      if (rows.length > 0) {
        await send(rows.map(toFailure));
        await client.query('UPDATE provisioning_log SET notified_at = $2 WHERE command_id = ANY($1::text[])', [
          rows.map((r) => r.command_id),
          at,
        ]);
      }
      await client.query('COMMIT');
      return rows.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async deleteOlderThan(cutoff: Date): Promise<{ logs: number; deadLetters: number; syncs: number }> {
    const logs = await this.pool.query('DELETE FROM provisioning_log WHERE activity_at < $1', [cutoff]);
    const dead = await this.pool.query('DELETE FROM dead_letters WHERE received_at < $1', [cutoff]);
    // Keep the latest full sync whatever its age: sync status reads it.
    const syncs = await this.pool.query(
      `DELETE FROM sync_runs WHERE COALESCE(completed_at, started_at, received_at) < $1
       AND sync_id IS DISTINCT FROM (SELECT sync_id FROM sync_runs WHERE mode = 'full' ORDER BY started_at DESC NULLS LAST LIMIT 1)`,
      [cutoff],
    );
    return { logs: logs.rowCount ?? 0, deadLetters: dead.rowCount ?? 0, syncs: syncs.rowCount ?? 0 };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

const UNNOTIFIED = `SELECT command_id, user_id, user_principal_name, action, error_code, error_message,
  recommended_action, completed_at FROM provisioning_log
  WHERE status = 'failure' AND notified_at IS NULL ORDER BY received_at, command_id`;

function toFailure(r: Row): FailureItem {
  return {
    commandId: r.command_id as string,
    userId: r.user_id as string,
    userPrincipalName: (r.user_principal_name as string | null) ?? null,
    action: r.action as string,
    errorCode: (r.error_code as string | null) ?? 'Unknown',
    reason: (r.error_message as string | null) ?? '',
    recommendedAction: (r.recommended_action as string | null) ?? null,
    completedAt: iso(r.completed_at) ?? '',
  };
}

function toRun(r: Row): SyncRun {
  return {
    syncId: String(r.sync_id),
    mode: r.mode === 'full' ? 'full' : 'incremental',
    startedAt: iso(r.started_at),
    completedAt: iso(r.completed_at),
    counts: (r.counts as Record<string, number> | null) ?? null,
  };
}

function toRecord(r: Row): LogRecord {
  const errorCode = r.error_code as string | null;
  const commandModified = (r.command_modified as LogRecord['modifiedProperties']) ?? [];
  const resultModified = r.result_modified as LogRecord['modifiedProperties'] | null;
  return {
    commandId: r.command_id as string,
    changeId: r.change_id as string,
    userId: r.user_id as string,
    action: r.action as LogRecord['action'],
    status: r.status as LogRecord['status'],
    cycleId: (r.cycle_id as string | null) ?? null,
    userPrincipalName: (r.user_principal_name as string | null) ?? null,
    matching:
      r.matching_attribute == null
        ? null
        : { attribute: r.matching_attribute as string, value: (r.matching_value as string) ?? '' },
    salesforceId: (r.salesforce_id as string | null) ?? null,
    linkedBy: (r.linked_by as LogRecord['linkedBy']) ?? null,
    reasons: (r.reasons as LogRecord['reasons']) ?? [],
    fields: (r.fields as Record<string, unknown>) ?? {},
    // The writer's diff is what happened; without one (pending, or failed before writing) show
    // what the mapper asked for.
    modifiedProperties: resultModified && resultModified.length > 0 ? resultModified : commandModified,
    error:
      errorCode === null
        ? null
        : {
            code: errorCode,
            message: (r.error_message as string) ?? '',
            retriable: Boolean(r.error_retriable),
            fields: (r.error_fields as string[] | null) ?? [],
            recommendedAction: (r.recommended_action as string | null) ?? null,
          },
    dryRun: Boolean(r.dry_run),
    origin: (r.origin as LogRecord['origin']) ?? null,
    initiatedBy: (r.initiated_by as LogRecord['initiatedBy']) ?? null,
    attempt: r.attempt == null ? null : Number(r.attempt),
    issuedAt: iso(r.issued_at),
    startedAt: iso(r.started_at),
    completedAt: iso(r.completed_at),
    durationMs: r.duration_ms == null ? null : Number(r.duration_ms),
    activityAt: iso(r.activity_at) ?? '',
    hasCommand: Boolean(r.has_command),
    hasResult: Boolean(r.has_result),
  };
}
