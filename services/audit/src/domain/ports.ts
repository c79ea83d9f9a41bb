import type { ProvisioningCommandV1, ProvisioningResultV1, SyncMarker } from '@provision/events';
import type { FailureItem } from './digest.ts';
import type { LogRecord } from './log-entry.ts';
import type { Cursor, LogQuery } from './log-query.ts';
import type { SyncStatus } from './sync-status.ts';

/** A message read from a dead-letter topic, with the reason the driver gave. */
export interface DeadLetterInput {
  /** The dead-letter topic it was read from (without the test prefix). */
  topic: string;
  /** The topic the message was first published to. */
  sourceTopic: string;
  partition: number;
  offset: string;
  key: string | null;
  reason: string;
  errorCode: string | null;
  headers: Record<string, string>;
  /** The original value (it may not be JSON: that can be why it is here). */
  payload: string | null;
  /** `utf8` when the value was text, `base64` when it was other bytes. */
  payloadEncoding: 'utf8' | 'base64';
}

/** A stored dead letter. */
export interface DeadLetterRecord extends DeadLetterInput {
  id: string;
  receivedAt: string;
}

/** One thing to record in the log, as a batch handler collects them. */
export type AuditItem =
  | { kind: 'command'; command: ProvisioningCommandV1 }
  | { kind: 'result'; result: ProvisioningResultV1 }
  | { kind: 'sync-marker'; marker: SyncMarker; partition: number };

/** A log export, read from the store as it is sent. */
export interface LogExport {
  /** Where the next export starts, when rows remain past the query's limit. */
  readonly next: Cursor | null;
  /** The rows, newest first, read in batches as they are consumed; returning early ends the read. */
  readonly records: AsyncIterable<LogRecord>;
  /** Ends the export without reading (or before reading all of) its rows; safe to call twice. */
  close(): Promise<void>;
}

/** The provisioning log's durable store. */
export interface AuditLogStore {
  /** Creates or upgrades the schema; safe to run from several replicas at once. */
  migrate(): Promise<void>;
  /** Upserts by commandId; a redelivered command changes nothing. */
  recordCommand(command: ProvisioningCommandV1): Promise<void>;
  /** Joins the result to its command by commandId (creating the row if the command is not here yet). */
  recordResult(result: ProvisioningResultV1): Promise<void>;
  recordSyncMarker(marker: SyncMarker, partition: number): Promise<void>;
  recordDeadLetter(letter: DeadLetterInput): Promise<void>;
  /** Records a batch in one transaction: all or nothing. */
  record(items: readonly AuditItem[]): Promise<void>;
  queryLogs(query: LogQuery): Promise<{ records: LogRecord[]; next: Cursor | null }>;
  /**
   * The rows of `query` (up to its limit) as a stream, so an export of any size holds one batch in
   * memory. The caller reads `records` to the end or calls `close`.
   */
  exportLogs(query: LogQuery): Promise<LogExport>;
  getLog(commandId: string): Promise<LogRecord | null>;
  syncStatus(): Promise<Omit<SyncStatus, 'quarantine' | 'quarantineLastCleared' | 'paused' | 'generatedAt'>>;
  listDeadLetters(limit: number): Promise<DeadLetterRecord[]>;
  /** Failures no digest has reported yet, oldest first. */
  unnotifiedFailures(limit: number): Promise<FailureItem[]>;
  /**
   * Hands up to `limit` unreported failures to `send` and marks them reported at `at` once it
   * resolved; if it throws, nothing is marked. Replicas never report the same failure twice.
   * Returns how many were reported.
   */
  reportFailures(limit: number, at: Date, send: (failures: FailureItem[]) => Promise<void>): Promise<number>;
  /** Deletes log rows, dead letters and sync runs older than `cutoff`; returns how many of each. */
  deleteOlderThan(cutoff: Date): Promise<{ logs: number; deadLetters: number; syncs: number }>;
  close(): Promise<void>;
}

/** What the audit does with what it consumes. */
export interface AuditHandlers {
  /** Commands, results and sync markers, a partition's batch at a time. */
  record(items: readonly AuditItem[]): Promise<void>;
  deadLetter(letter: DeadLetterInput): Promise<void>;
}

/** The Kafka side: delivers every consumed message to the handlers, committing after each succeeds. */
export interface AuditEventSource {
  start(handlers: AuditHandlers): Promise<void>;
  stop(): Promise<void>;
  /** True once the consumers have joined their group. */
  ready(): boolean;
}

/** Sends one email. */
export interface Mailer {
  send(message: { from: string; to: readonly string[]; subject: string; text: string }): Promise<void>;
}

/** Reads the writer's quarantine state (a Redis key the writer owns), or null when not quarantined. */
export interface QuarantineReader {
  read(): Promise<Record<string, unknown> | null>;
}

/** What admins decided for the job (Redis keys the ingestor's API writes), as the status shows it. */
export interface JobControlState {
  /** `{ since, by, reason }` while provisioning is paused; null while it runs. */
  paused: Record<string, unknown> | null;
  /** Who last cleared the writers' quarantine, and when. */
  quarantineLastCleared: { at: string; by: unknown } | null;
}

/** Reads the job's switches (read-only). */
export interface JobControlReader {
  read(): Promise<JobControlState>;
}

/** Time, injected so the digest and retention are testable without waiting: the one shared clock. */
export type { Clock } from '@provision/ports';
