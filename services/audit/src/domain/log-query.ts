import { ProvisionError } from '@provision/errors';
import { CommandAction } from '@provision/events';

/** Statuses a log row can have. */
export const LOG_STATUSES = ['success', 'failure', 'skipped', 'warning', 'pending'] as const;

/** The position after the last row of a page: rows are ordered by (activityAt, commandId) descending. */
export interface Cursor {
  activityAt: string;
  commandId: string;
}

/** A validated `GET /api/provisioning-logs` query. */
export interface LogQuery {
  status?: string[];
  action?: string[];
  userId?: string;
  changeId?: string;
  commandId?: string;
  errorCode?: string;
  cycleId?: string;
  from?: string;
  to?: string;
  limit: number;
  cursor?: Cursor;
  /** `json`: one page. `csv` and `ndjson` (one JSON entry per line): an export, streamed. */
  format: LogFormat;
}

/** The answers `GET /api/provisioning-logs` can give. */
export type LogFormat = 'json' | 'csv' | 'ndjson';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;
export const DEFAULT_CSV_LIMIT = 10_000;
export const MAX_CSV_LIMIT = 100_000;

const KNOWN = new Set([
  'status',
  'action',
  'userId',
  'changeId',
  'commandId',
  'errorCode',
  'cycleId',
  'from',
  'to',
  'limit',
  'cursor',
  'format',
]);

function bad(parameter: string, message: string, place = 'Query parameter'): ProvisionError {
  return new ProvisionError('PRV_BAD_REQUEST', `${place} '${parameter}': ${message}`, {
    details: { parameter },
  });
}

/**
 * The one gate for text a request sends on to PostgreSQL (filters, the detail id, the cursor's
 * command id): PostgreSQL text cannot hold NUL (error 22021), so one is refused, as the 400 that
 * `refuse` builds naming where it came from, rather than failing the query as a 500.
 */
function storable(text: string, refuse: (problem: string) => ProvisionError): string {
  if (text.includes('\u0000')) throw refuse('must not contain a NUL character');
  return text;
}

// What PostgreSQL's timestamptz reads from an ISO string: years 0001 to 9999 (no year 0000; a zone
// offset can carry 9999-12-31 or 0001-01-01 past either end).
const EARLIEST = Date.parse('0001-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/** An ISO-8601 date (2026-11-26) or timestamp with a zone, normalised to UTC; undefined when it is not one. */
function isoInstant(raw: string): string | undefined {
  const ok = /^\d{4}-\d{2}-\d{2}$/.test(raw) || /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/i.test(raw);
  const ms = Date.parse(raw);
  if (!ok || Number.isNaN(ms) || ms < EARLIEST || ms > LATEST) return undefined;
  return new Date(ms).toISOString();
}

function single(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw bad(name, 'given more than once');
  if (typeof v !== 'string' || v.trim() === '') throw bad(name, 'must not be empty');
  if (v.length > 256) throw bad(name, 'is longer than 256 characters');
  return storable(v, (problem) => bad(name, problem)).trim();
}

function list(query: Record<string, unknown>, name: string, allowed: readonly string[]): string[] | undefined {
  const raw = single(query, name);
  if (raw === undefined) return undefined;
  const values = [...new Set(raw.split(',').map((s) => s.trim()))];
  const wrong = values.filter((v) => !allowed.includes(v));
  if (wrong.length > 0) throw bad(name, `unknown value '${wrong.join("', '")}' (expected ${allowed.join(', ')})`);
  return values;
}

function instant(query: Record<string, unknown>, name: string): string | undefined {
  const raw = single(query, name);
  if (raw === undefined) return undefined;
  const at = isoInstant(raw);
  if (at === undefined) throw bad(name, `expected an ISO-8601 date or timestamp, years 0001 to 9999 (got '${raw}')`);
  return at;
}

/** Encodes the position after `row` as an opaque, URL-safe cursor. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.activityAt, cursor.commandId])).toString('base64url');
}

/** Decodes a cursor from `encodeCursor`; anything else is a 400 naming `cursor`. */
export function decodeCursor(raw: string): Cursor {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    // not JSON: the error below
  }
  // Both halves reach PostgreSQL: the time as timestamptz (so only what it reads), the id as text.
  const activityAt = Array.isArray(v) && typeof v[0] === 'string' ? isoInstant(v[0]) : undefined;
  if (!Array.isArray(v) || v.length !== 2 || activityAt === undefined || typeof v[1] !== 'string') {
    throw bad('cursor', 'is not a cursor this API returned');
  }
  return { activityAt, commandId: storable(v[1], (problem) => bad('cursor', `its command id ${problem}`)) };
}

/**
 * Validates the query string of `GET /api/provisioning-logs`. Unknown parameters are refused
 * rather than ignored, so a typo (`stauts=failure`) never silently returns everything.
 */
export function parseLogQuery(query: Record<string, unknown>): LogQuery {
  for (const name of Object.keys(query)) if (!KNOWN.has(name)) throw bad(name, 'is not a known parameter');
  const formats = list(query, 'format', ['json', 'csv', 'ndjson']);
  if (formats && formats.length > 1) throw bad('format', 'give one format');
  const format: LogFormat = formats?.[0] === 'csv' ? 'csv' : formats?.[0] === 'ndjson' ? 'ndjson' : 'json';
  const exporting = format !== 'json';
  const limitRaw = single(query, 'limit');
  const max = exporting ? MAX_CSV_LIMIT : MAX_LIMIT;
  let limit = exporting ? DEFAULT_CSV_LIMIT : DEFAULT_LIMIT;
  if (limitRaw !== undefined) {
    if (!/^\d+$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > max) {
      throw bad('limit', `expected a whole number from 1 to ${max} (got '${limitRaw}')`);
    }
    limit = Number(limitRaw);
  }
  const from = instant(query, 'from');
  const to = instant(query, 'to');
  if (from !== undefined && to !== undefined && from > to) throw bad('from', 'is after to');
  const cursorRaw = single(query, 'cursor');
  const q: LogQuery = { limit, format };
  const status = list(query, 'status', LOG_STATUSES);
  const action = list(query, 'action', CommandAction.options);
  if (status) q.status = status;
  if (action) q.action = action;
  for (const name of ['userId', 'changeId', 'commandId', 'errorCode', 'cycleId'] as const) {
    const v = single(query, name);
    if (v !== undefined) q[name] = v;
  }
  if (from) q.from = from;
  if (to) q.to = to;
  if (cursorRaw !== undefined) q.cursor = decodeCursor(cursorRaw);
  return q;
}

/** The `:commandId` of `GET /api/provisioning-logs/:commandId`; a 400 naming it when PostgreSQL could not compare it. */
export function parseCommandId(params: Record<string, unknown>): string {
  // Any other id (empty too: `/api/provisioning-logs/`) is simply one no command has, a 404.
  const id = String(params['commandId'] ?? '');
  return storable(id, (problem) => bad('commandId', problem, 'Path parameter'));
}

/** Parses a bounded `limit` for the simpler lists (dead letters). */
export function parseLimit(query: Record<string, unknown>, known: readonly string[], fallback = DEFAULT_LIMIT) {
  for (const name of Object.keys(query)) if (!known.includes(name)) throw bad(name, 'is not a known parameter');
  const raw = single(query, 'limit');
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_LIMIT) {
    throw bad('limit', `expected a whole number from 1 to ${MAX_LIMIT} (got '${raw}')`);
  }
  return Number(raw);
}
