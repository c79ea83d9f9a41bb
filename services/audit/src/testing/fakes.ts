import type { ProvisioningCommandV1, ProvisioningResultV1, SyncMarker } from '@provision/events';
import { withoutNul } from '../adapters/pg-log-writes.ts';
import type { FailureItem } from '../domain/digest.ts';
import { type LogRecord, upnFromMatching } from '../domain/log-entry.ts';
import type { Cursor, LogQuery } from '../domain/log-query.ts';
import type {
  AuditEventSource,
  AuditHandlers,
  AuditItem,
  AuditLogStore,
  DeadLetterInput,
  DeadLetterRecord,
  LogExport,
  Mailer,
  QuarantineReader,
} from '../domain/ports.ts';
import { outcomeOf, type SyncRun, type SyncStatus, syncStateOf } from '../domain/sync-status.ts';

/** Makes the next calls of a fake fail, for tests of failure paths. */
class FailureSwitch {
  private error: Error | null = null;
  private remaining = 0;
  /** The next `times` calls throw `error`. */
  failNext(error: Error, times = 1): void {
    this.error = error;
    this.remaining = times;
  }
  protected check(): void {
    if (this.remaining > 0 && this.error) {
      this.remaining--;
      throw this.error;
    }
  }
}

/**
 * `AuditLogStore` in memory, with the PostgreSQL store's join and idempotency rules (the
 * integration tests hold the real one to the same behaviour).
 */
export class InMemoryAuditLogStore extends FailureSwitch implements AuditLogStore {
  readonly rows = new Map<string, LogRecord & { notifiedAt: string | null }>();
  readonly syncs = new Map<string, SyncRun>();
  readonly deadLetters: DeadLetterRecord[] = [];
  /** When each sync run was first recorded (what retention falls back on for a run with no time). */
  private readonly syncReceivedAt = new Map<string, string>();
  migrated = false;

  async migrate() {
    this.check();
    this.migrated = true;
  }

  private cycleAt(at: string): string | null {
    const started = [...this.syncs.values()].filter((s) => s.startedAt !== null && s.startedAt <= at);
    return started.sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''))[0]?.syncId ?? null;
  }

  async recordCommand(command: ProvisioningCommandV1) {
    this.check();
    // As PostgreSQL stores it: text there cannot hold U+0000.
    const c = withoutNul(command);
    const prev = this.rows.get(c.commandId);
    this.rows.set(c.commandId, {
      ...(prev ?? blank(c.commandId, c.changeId, c.userId, c.action, c.issuedAt)),
      changeId: c.changeId,
      action: prev?.hasResult ? prev.action : c.action,
      cycleId: prev?.cycleId ?? this.cycleAt(c.issuedAt),
      userPrincipalName: upnFromMatching(c.matching),
      matching: c.matching,
      salesforceId: prev?.salesforceId ?? c.salesforceId ?? null,
      reasons: c.reasons,
      fields: c.fields,
      modifiedProperties:
        prev?.hasResult && prev.modifiedProperties.length > 0 ? prev.modifiedProperties : c.modifiedProperties,
      origin: c.origin,
      initiatedBy: c.initiatedBy ?? null,
      issuedAt: c.issuedAt,
      activityAt: prev?.hasResult ? prev.activityAt : c.issuedAt,
      hasCommand: true,
      dryRun: prev?.hasResult ? prev.dryRun : c.dryRun,
    });
  }

  async recordResult(result: ProvisioningResultV1) {
    this.check();
    const r = withoutNul(result);
    const prev = this.rows.get(r.commandId);
    if (prev?.attempt != null && r.attempt <= prev.attempt) return;
    const base = prev ?? blank(r.commandId, r.changeId, r.userId, r.action, r.completedAt);
    this.rows.set(r.commandId, {
      ...base,
      action: r.action,
      status: r.status,
      salesforceId: r.salesforceId ?? base.salesforceId,
      linkedBy: r.linkedBy,
      error: r.error
        ? { ...r.error, fields: r.error.fields, recommendedAction: r.error.recommendedAction ?? null }
        : null,
      modifiedProperties: r.modifiedProperties.length > 0 ? r.modifiedProperties : base.modifiedProperties,
      dryRun: r.dryRun,
      attempt: r.attempt,
      startedAt: r.startedAt,
      completedAt: r.completedAt,
      durationMs: r.durationMs,
      activityAt: r.completedAt,
      hasResult: true,
      notifiedAt: r.status === 'failure' ? null : base.notifiedAt,
    });
  }

  async recordSyncMarker(m: SyncMarker) {
    this.check();
    const prev = this.syncs.get(m.syncId) ?? {
      syncId: m.syncId,
      mode: m.mode,
      startedAt: null,
      completedAt: null,
      counts: null,
    };
    const min = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a < b ? a : b);
    const max = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b);
    this.syncs.set(m.syncId, {
      ...prev,
      startedAt: m.type === 'sync.started' ? min(prev.startedAt, m.at) : prev.startedAt,
      completedAt: m.type === 'sync.completed' ? max(prev.completedAt, m.at) : prev.completedAt,
      counts: m.counts ?? prev.counts,
    });
    if (!this.syncReceivedAt.has(m.syncId)) this.syncReceivedAt.set(m.syncId, new Date().toISOString());
    // A command can be logged before the marker of its cycle: claim the commands issued since this
    // round started, unless a round that started later already holds them.
    if (m.type === 'sync.started') {
      const startedBefore = (syncId: string) => {
        const run = this.syncs.get(syncId);
        return run?.startedAt != null && Date.parse(run.startedAt) < Date.parse(m.at);
      };
      for (const row of this.rows.values()) {
        if (row.issuedAt === null || Date.parse(row.issuedAt) < Date.parse(m.at) || row.cycleId === m.syncId) continue;
        if (row.cycleId === null || startedBefore(row.cycleId)) row.cycleId = m.syncId;
      }
    }
  }

  async recordDeadLetter(letter: DeadLetterInput) {
    this.check();
    const d = withoutNul(letter);
    if (this.deadLetters.some((x) => x.topic === d.topic && x.partition === d.partition && x.offset === d.offset))
      return;
    this.deadLetters.push({ ...d, id: String(this.deadLetters.length + 1), receivedAt: new Date().toISOString() });
  }

  async record(items: readonly AuditItem[]) {
    this.check();
    for (const item of items) {
      if (item.kind === 'command') await this.recordCommand(item.command);
      else if (item.kind === 'result') await this.recordResult(item.result);
      else await this.recordSyncMarker(item.marker);
    }
  }

  async exportLogs(q: LogQuery): Promise<LogExport> {
    const { records, next } = await this.queryLogs(q);
    async function* each() {
      yield* records;
    }
    return { next, records: each(), close: async () => undefined };
  }

  async queryLogs(q: LogQuery): Promise<{ records: LogRecord[]; next: Cursor | null }> {
    this.check();
    const ms = (s: string) => Date.parse(s);
    const after = (r: LogRecord, c: Cursor) =>
      ms(r.activityAt) < ms(c.activityAt) || (ms(r.activityAt) === ms(c.activityAt) && r.commandId < c.commandId);
    const all = [...this.rows.values()]
      .filter(
        (r) =>
          (!q.status || q.status.includes(r.status)) &&
          (!q.action || q.action.includes(r.action)) &&
          (!q.userId || r.userId === q.userId || r.userPrincipalName?.toLowerCase() === q.userId.toLowerCase()) &&
          (!q.changeId || r.changeId === q.changeId) &&
          (!q.commandId || r.commandId === q.commandId) &&
          (!q.errorCode || r.error?.code === q.errorCode) &&
          (!q.cycleId || r.cycleId === q.cycleId) &&
          (!q.from || ms(r.activityAt) >= ms(q.from)) &&
          (!q.to || ms(r.activityAt) <= ms(q.to)) &&
          (!q.cursor || after(r, q.cursor)),
      )
      .sort((a, b) => ms(b.activityAt) - ms(a.activityAt) || (a.commandId < b.commandId ? 1 : -1));
    const records = all.slice(0, q.limit);
    const last = records.at(-1);
    return {
      records,
      next: all.length > q.limit && last ? { activityAt: last.activityAt, commandId: last.commandId } : null,
    };
  }

  async getLog(commandId: string) {
    this.check();
    return this.rows.get(commandId) ?? null;
  }

  async syncStatus(): Promise<Omit<SyncStatus, 'quarantine' | 'quarantineLastCleared' | 'paused' | 'generatedAt'>> {
    this.check();
    const byStart = [...this.syncs.values()].sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''));
    const full = byStart.find((s) => s.mode === 'full');
    const since = full?.startedAt ?? null;
    const rows = [...this.rows.values()].filter((r) => since === null || (r.issuedAt ?? r.completedAt ?? '') >= since);
    const tally = (key: (r: LogRecord) => string | undefined) => {
      const out: Record<string, number> = {};
      for (const r of rows) {
        const k = key(r);
        if (k !== undefined) out[k] = (out[k] ?? 0) + 1;
      }
      return out;
    };
    const done = [...this.rows.values()]
      .filter((r) => r.hasResult)
      .sort((a, b) => (b.completedAt ?? '').localeCompare(a.completedAt ?? ''));
    const l = done[0];
    return {
      fullSync: full ? { ...full, state: syncStateOf(full) } : { state: 'not-started' },
      initialSyncCompleted: byStart.some((s) => s.mode === 'full' && s.completedAt !== null),
      latestSync: byStart[0] ?? null,
      progress: {
        since,
        commandsIssued: rows.filter((r) => r.hasCommand).length,
        resultsReceived: rows.filter((r) => r.hasCommand && r.hasResult).length,
        pending: rows.filter((r) => r.hasCommand && !r.hasResult).length,
      },
      counts: {
        byStatus: tally((r) => r.status),
        byAction: tally((r) => r.action),
        byErrorCode: tally((r) => r.error?.code),
        byOutcome: tally(outcomeOf),
      },
      lastChange: l
        ? {
            commandId: l.commandId,
            changeId: l.changeId,
            userId: l.userId,
            action: l.action,
            status: l.status,
            completedAt: l.completedAt ?? '',
          }
        : null,
      deadLetters: { total: this.deadLetters.length, latestAt: this.deadLetters.at(-1)?.receivedAt ?? null },
    };
  }

  async listDeadLetters(limit: number) {
    this.check();
    return [...this.deadLetters].reverse().slice(0, limit);
  }

  async unnotifiedFailures(limit: number): Promise<FailureItem[]> {
    this.check();
    return [...this.rows.values()]
      .filter((r) => r.status === 'failure' && r.notifiedAt === null)
      .slice(0, limit)
      .map((r) => ({
        commandId: r.commandId,
        userId: r.userId,
        userPrincipalName: r.userPrincipalName,
        action: r.action,
        errorCode: r.error?.code ?? 'Unknown',
        reason: r.error?.message ?? '',
        recommendedAction: r.error?.recommendedAction ?? null,
        completedAt: r.completedAt ?? '',
      }));
  }

  async reportFailures(limit: number, at: Date, send: (failures: FailureItem[]) => Promise<void>) {
    const failures = await this.unnotifiedFailures(limit);
    if (failures.length === 0) return 0;
    await send(failures);
    for (const f of failures) {
      const r = this.rows.get(f.commandId);
      if (r) r.notifiedAt = at.toISOString();
    }
    return failures.length;
  }

  async deleteOlderThan(cutoff: Date) {
    this.check();
    let logs = 0;
    for (const [id, r] of this.rows) {
      if (Date.parse(r.activityAt) < cutoff.getTime()) {
        this.rows.delete(id);
        logs++;
      }
    }
    const before = this.deadLetters.length;
    const keep = this.deadLetters.filter((d) => Date.parse(d.receivedAt) >= cutoff.getTime());
    this.deadLetters.splice(0, this.deadLetters.length, ...keep);
    // The latest full sync is kept whatever its age: the sync status reads it.
    const latestFull = [...this.syncs.values()]
      .filter((run) => run.mode === 'full')
      .sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''))[0]?.syncId;
    let syncs = 0;
    for (const [syncId, run] of this.syncs) {
      const at = run.completedAt ?? run.startedAt ?? this.syncReceivedAt.get(syncId);
      if (syncId === latestFull || at === undefined || Date.parse(at) >= cutoff.getTime()) continue;
      this.syncs.delete(syncId);
      this.syncReceivedAt.delete(syncId);
      syncs++;
    }
    return { logs, deadLetters: before - keep.length, syncs };
  }

  async close() {}
}

function blank(commandId: string, changeId: string, userId: string, action: LogRecord['action'], at: string) {
  return {
    commandId,
    changeId,
    userId,
    action,
    status: 'pending' as LogRecord['status'],
    cycleId: null,
    userPrincipalName: null,
    matching: null,
    salesforceId: null,
    linkedBy: null,
    reasons: [],
    fields: {},
    modifiedProperties: [],
    error: null,
    dryRun: false,
    origin: null,
    initiatedBy: null,
    attempt: null,
    issuedAt: null,
    startedAt: null,
    completedAt: null,
    durationMs: null,
    activityAt: at,
    hasCommand: false,
    hasResult: false,
    notifiedAt: null as string | null,
  };
}

/** An event source the test drives by hand: `deliver*` calls the handlers as the consumer would. */
export class InMemoryEventSource extends FailureSwitch implements AuditEventSource {
  handlers: AuditHandlers | null = null;
  joined = false;
  async start(handlers: AuditHandlers) {
    this.check();
    this.handlers = handlers;
    this.joined = true;
  }
  async stop() {
    this.joined = false;
  }
  ready() {
    return this.joined;
  }
  private get h(): AuditHandlers {
    if (!this.handlers) throw new Error('event source not started');
    return this.handlers;
  }
  deliverCommand = (command: ProvisioningCommandV1) => this.h.record([{ kind: 'command', command }]);
  deliverResult = (result: ProvisioningResultV1) => this.h.record([{ kind: 'result', result }]);
  deliverMarker = (marker: SyncMarker, partition = 0) => this.h.record([{ kind: 'sync-marker', marker, partition }]);
  deliverDeadLetter = (d: DeadLetterInput) => this.h.deadLetter(d);
}

/** A mailer that keeps what it was asked to send. */
export class FakeMailer extends FailureSwitch implements Mailer {
  readonly sent: Parameters<Mailer['send']>[0][] = [];
  async send(message: Parameters<Mailer['send']>[0]) {
    this.check();
    this.sent.push(message);
  }
}

/** The writer's quarantine flag, set by the test. */
export class FakeQuarantine extends FailureSwitch implements QuarantineReader {
  state: Record<string, unknown> | null = null;
  async read() {
    this.check();
    return this.state;
  }
}
