import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { CSV_COLUMNS, csvRow } from '../domain/csv.ts';
import { toLogEntry } from '../domain/log-entry.ts';
import { encodeCursor, type LogQuery } from '../domain/log-query.ts';
import type { AuditLogStore, Clock, LogExport } from '../domain/ports.ts';

/** Exports streamed at once; each holds a database connection while its reader reads. */
export const DEFAULT_MAX_CONCURRENT_EXPORTS = 2;

// Text is sent in pieces of about this size: few enough writes, little held in memory.
const CHUNK_CHARS = 64 * 1024;

/** Counts the exports in flight, so slow readers cannot take every database connection. */
export function exportGate(max = DEFAULT_MAX_CONCURRENT_EXPORTS) {
  let running = 0;
  return {
    enter: () => {
      if (running >= max) return false;
      running++;
      return true;
    },
    leave: () => {
      running = Math.max(0, running - 1);
    },
    get running() {
      return running;
    },
  };
}

export type ExportGate = ReturnType<typeof exportGate>;

/**
 * Answers an export (`format=csv` or `ndjson`) as a stream: rows are read from the store in
 * batches as the client takes them, so memory stays flat whatever the size (up to the query's
 * limit). The next page's cursor goes in `x-next-cursor`. Over the concurrency limit: 429.
 */
export async function sendLogExport(
  reply: FastifyReply,
  deps: { store: AuditLogStore; clock: Clock; gate: ExportGate },
  query: LogQuery,
): Promise<FastifyReply> {
  if (!deps.gate.enter()) {
    reply.header('retry-after', '5');
    throw Object.assign(new Error('Too many exports at once; retry in 5 s.'), { statusCode: 429 });
  }
  let opened: LogExport;
  try {
    opened = await deps.store.exportLogs(query);
  } catch (error) {
    deps.gate.leave();
    throw error;
  }
  const body = Readable.from(textOf(opened, query.format === 'csv' ? 'csv' : 'ndjson'), { objectMode: false });
  body.once('close', () => {
    deps.gate.leave();
    void opened.close();
  });
  if (opened.next !== null) reply.header('x-next-cursor', encodeCursor(opened.next));
  const stamp = new Date(deps.clock.now()).toISOString().replace(/[:.]/g, '-');
  const [type, extension] =
    query.format === 'csv' ? ['text/csv; charset=utf-8', 'csv'] : ['application/x-ndjson; charset=utf-8', 'ndjson'];
  return reply
    .header('content-type', type)
    .header('content-disposition', `attachment; filename="provisioning-logs-${stamp}.${extension}"`)
    .send(body);
}

async function* textOf(opened: LogExport, format: 'csv' | 'ndjson'): AsyncGenerator<string> {
  let text = format === 'csv' ? `${CSV_COLUMNS.join(',')}\r\n` : '';
  for await (const record of opened.records) {
    const entry = toLogEntry(record);
    text += format === 'csv' ? csvRow(entry) : `${JSON.stringify(entry)}\n`;
    if (text.length >= CHUNK_CHARS) {
      yield text;
      text = '';
    }
  }
  if (text !== '') yield text;
}
