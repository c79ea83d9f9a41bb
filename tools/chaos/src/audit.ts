// The audit side: what the provisioning log says (its HTTP API), and whether every command that
// went over provisioning.commands.v1 or its live lane provisioning.commands.live.v1 has its result there.

import { type LogEntry, provisioningLog } from '@provision/demo';
import { quietKafkajsTimeoutWarning } from '@provision/kafkajs-quiet';
import { Kafka, logLevel } from 'kafkajs';

/** A log entry with the fields the demo's summary does not read. */
export type AuditEntry = LogEntry & { commandId: string; changeId: string; attempt: number | null };

/** One log entry, shortened for a report. */
export interface EntrySummary {
  issuedAt: string | null;
  action: string;
  status: string;
  errorCode: string | null;
  error: string | null;
  linkedBy: string | null;
  salesforceId: string | null;
  reasons: string[];
}

export function summariseEntry(e: LogEntry): EntrySummary {
  return {
    issuedAt: e.issuedAt,
    action: e.action,
    status: e.status,
    errorCode: e.errorInfo?.errorCode ?? null,
    error: e.errorInfo?.reason ? e.errorInfo.reason.slice(0, 200) : null,
    linkedBy: e.targetIdentity.linkedBy,
    salesforceId: e.targetIdentity.id,
    reasons: e.reasons.map((r) => r.code),
  };
}

/** Every entry of the provisioning log (through the audit's paging API). */
export async function readAuditLog(auditUrl: string): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for await (const e of provisioningLog(auditUrl)) entries.push(e as AuditEntry);
  return entries;
}

/** Each user's entries, summarised, oldest first. */
export function entriesByUser(entries: readonly AuditEntry[]): Map<string, EntrySummary[]> {
  const out = new Map<string, EntrySummary[]>();
  for (const e of entries) out.set(e.sourceIdentity.id, [...(out.get(e.sourceIdentity.id) ?? []), summariseEntry(e)]);
  for (const list of out.values()) list.sort((a, b) => (a.issuedAt ?? '').localeCompare(b.issuedAt ?? ''));
  return out;
}

/** What a user's last log entry says, in a few words: `create/failure/SalesforceUnknown`, `skip/skipped/unassigned`. */
export function lastEntrySignature(entries: readonly EntrySummary[] | undefined): string {
  const last = entries?.at(-1);
  if (!last) return 'no log entry';
  const detail =
    last.status === 'failure'
      ? [last.errorCode ?? '?']
      : last.status === 'skipped'
        ? last.reasons.filter((r) => r !== 'not-linked' && r !== 'in-scope')
        : [];
  return [last.action, last.status, ...detail].join('/');
}

export interface AuditCompleteness {
  entries: number;
  /** Distinct command ids on both commands topics, bulk and live (null when they could not be read). */
  commandsOnTopic: number | null;
  /** Commands on the topic that the log does not hold at all. */
  notLogged: number;
  /** Commands logged without a result. */
  pending: number;
  /** Results logged without their command. */
  resultWithoutCommand: number;
  complete: boolean;
  /** What the log says happened: entries by status, failures by error code, and retried attempts. */
  outcomes: { byStatus: Record<string, number>; failuresByCode: Record<string, number>; retriedAttempts: number };
  examples: { notLogged: string[]; pending: EntrySummary[]; resultWithoutCommand: EntrySummary[] };
  topicError?: string;
}

/** Which commands of the topic lack a logged result (`onTopic` is the topic's command ids, or why it could not be read). */
export function auditCompleteness(entries: readonly AuditEntry[], onTopic: Set<string> | Error): AuditCompleteness {
  const logged = new Set(entries.map((e) => e.commandId));
  const ids = onTopic instanceof Error ? null : onTopic;
  const notLogged = ids === null ? [] : [...ids].filter((id) => !logged.has(id));
  const pending = entries.filter((e) => e.status === 'pending');
  const orphans = entries.filter((e) => e.issuedAt === null);
  const withUser = (e: AuditEntry) => ({ ...summariseEntry(e), userId: e.sourceIdentity.id });
  return {
    entries: entries.length,
    commandsOnTopic: ids?.size ?? null,
    notLogged: notLogged.length,
    pending: pending.length,
    resultWithoutCommand: orphans.length,
    complete: ids !== null && notLogged.length === 0 && pending.length === 0 && orphans.length === 0,
    outcomes: {
      byStatus: tally(entries.map((e) => e.status)),
      failuresByCode: tally(entries.flatMap((e) => (e.status === 'failure' ? [e.errorInfo?.errorCode ?? '?'] : []))),
      retriedAttempts: entries.filter((e) => (e.attempt ?? 1) > 1).length,
    },
    examples: {
      notLogged: notLogged.slice(0, 5),
      pending: pending.slice(0, 5).map(withUser),
      resultWithoutCommand: orphans.slice(0, 5).map(withUser),
    },
    ...(onTopic instanceof Error ? { topicError: onTopic.message } : {}),
  };
}

/**
 * Every command id on the topics, each read from the beginning to the end it has now, with a
 * throw-away group. A topic that does not exist holds none (the live lane, before its first command).
 */
export async function commandIdsOn(
  brokers: string,
  topics: readonly string[],
  timeoutMs = 90_000,
): Promise<Set<string>> {
  quietKafkajsTimeoutWarning();
  const kafka = new Kafka({ clientId: 'provision-chaos', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  // `topic:partition` → the offset of its last message now.
  const ends = new Map<string, bigint>();
  const existing = new Set<string>();
  try {
    const listed = new Set(await admin.listTopics());
    for (const topic of topics.filter((t) => listed.has(t))) {
      existing.add(topic);
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > BigInt(p.low)) ends.set(`${topic}:${p.partition}`, BigInt(p.high) - 1n);
      }
    }
  } finally {
    await admin.disconnect();
  }
  const ids = new Set<string>();
  if (ends.size === 0) return ids;
  const consumer = kafka.consumer({ groupId: `chaos-audit-${Date.now().toString(36)}`, maxBytes: 8 * 1024 * 1024 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...existing], fromBeginning: true });
    const remaining = new Set(ends.keys());
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`read ${ids.size} commands of ${[...existing].join(', ')}, not all of them in ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              const id = commandIdOf(m.value);
              if (id !== null) ids.add(id);
            }
            const key = `${batch.topic}:${batch.partition}`;
            const end = ends.get(key);
            if (end !== undefined && BigInt(batch.lastOffset()) >= end) remaining.delete(key);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return ids;
}

function commandIdOf(value: Buffer | null): string | null {
  try {
    const parsed = value ? (JSON.parse(value.toString('utf8')) as { commandId?: unknown }) : null;
    return typeof parsed?.commandId === 'string' ? parsed.commandId : null;
  } catch {
    return null; // a poison message: the driver dead-letters it, and the audit logs the dead letter
  }
}

function tally(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
