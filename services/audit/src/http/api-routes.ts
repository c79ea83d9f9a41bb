import { ProvisionError } from '@provision/errors';
import type { FastifyInstance } from 'fastify';
import { type ProvisioningLogPage, toLogEntry } from '../domain/log-entry.ts';
import { encodeCursor, parseCommandId, parseLimit, parseLogQuery } from '../domain/log-query.ts';
import type { AuditLogStore, Clock, JobControlReader, JobControlState, QuarantineReader } from '../domain/ports.ts';
import type { SyncStatus } from '../domain/sync-status.ts';
import { exportGate, sendLogExport } from './log-export.ts';

/** What the API routes read from. */
export interface ApiDeps {
  store: AuditLogStore;
  quarantine: QuarantineReader | null;
  /** The pause and the last quarantine clear (Redis); null: not shown. */
  control?: JobControlReader | null;
  clock: Clock;
  /** Exports (CSV, NDJSON) streamed at once; more get 429 (default 2). */
  maxConcurrentExports?: number;
}

type Query = Record<string, unknown>;

/** `/api/provisioning-logs`, `/api/provisioning-logs/:commandId`, `/api/sync-status`, `/api/dead-letters`. */
export function registerApiRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const gate = exportGate(deps.maxConcurrentExports);
  app.get('/api/provisioning-logs', async (request, reply) => {
    const query = parseLogQuery(request.query as Query);
    if (query.format !== 'json') return sendLogExport(reply, { store: deps.store, clock: deps.clock, gate }, query);
    const { records, next } = await deps.store.queryLogs(query);
    const page: ProvisioningLogPage = {
      items: records.map(toLogEntry),
      nextCursor: next === null ? null : encodeCursor(next),
    };
    return page;
  });

  app.get('/api/provisioning-logs/:commandId', async (request) => {
    const commandId = parseCommandId(request.params as Query);
    const record = await deps.store.getLog(commandId);
    if (record === null) {
      throw new ProvisionError('PRV_NOT_FOUND', `No provisioning log entry for command '${commandId}'`, {
        details: { commandId },
      });
    }
    // The detail view also shows the Salesforce fields the mapper asked for.
    return { ...toLogEntry(record), desiredFields: record.fields };
  });

  app.get('/api/sync-status', async (request): Promise<SyncStatus> => {
    parseLimit(request.query as Query, []);
    const [status, quarantine, control] = await Promise.all([
      deps.store.syncStatus(),
      readQuarantine(deps, request.log),
      readControl(deps, request.log),
    ]);
    return { ...status, quarantine, ...control, generatedAt: new Date(deps.clock.now()).toISOString() };
  });

  app.get('/api/dead-letters', async (request) => {
    const limit = parseLimit(request.query as Query, ['limit']);
    return { items: await deps.store.listDeadLetters(limit) };
  });
}

async function readControl(deps: ApiDeps, log: { warn(o: object, m: string): void }): Promise<JobControlState> {
  if (!deps.control) return { paused: null, quarantineLastCleared: null };
  try {
    return await deps.control.read();
  } catch (err) {
    log.warn({ err }, 'could not read whether provisioning is paused');
    return { paused: { unknown: true, error: (err as Error).message }, quarantineLastCleared: null };
  }
}

// The quarantine flag is the writer's and optional: when Redis cannot answer, the status still does.
async function readQuarantine(
  deps: ApiDeps,
  log: { warn(o: object, m: string): void },
): Promise<Record<string, unknown> | null> {
  if (deps.quarantine === null) return null;
  try {
    return await deps.quarantine.read();
  } catch (err) {
    log.warn({ err }, 'could not read the writer quarantine state');
    return { unknown: true, error: (err as Error).message };
  }
}
