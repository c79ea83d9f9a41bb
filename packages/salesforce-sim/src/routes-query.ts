import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RestRequestError } from './errors.ts';
import type { Org, Row, Session } from './org.ts';
import { projectRow, runQuery } from './query.ts';
import { base, sessionOf } from './rest-common.ts';
import type { SimState } from './state.ts';

/** SOQL statements are limited to 100,000 characters. */
export const MAX_SOQL_LENGTH = 100_000;

export function queryBatchSize(request: FastifyRequest, org: Org): number {
  const header = request.headers['sforce-query-options'];
  const m = typeof header === 'string' ? /batchSize\s*=\s*(\d+)/i.exec(header) : null;
  if (!m) return org.settings.queryBatchSize;
  return Math.min(2000, Math.max(200, Number(m[1])));
}

function page(state: SimState, cursorId: string, offset: number, b: string): Row {
  const cursor = state.cursor(cursorId)!;
  const end = Math.min(offset + cursor.batchSize, cursor.rows.length);
  const records: Row[] = [];
  for (let i = offset; i < end; i++) {
    records.push(projectRow(cursor.org, cursor.object, cursor.rows[i]!, cursor.select, b));
  }
  const done = end >= cursor.rows.length;
  if (done) state.closeCursor(cursorId);
  return {
    totalSize: cursor.rows.length,
    done,
    ...(done ? {} : { nextRecordsUrl: `${b}/query/${cursorId}-${end}` }),
    records,
  };
}

export function startQuery(state: SimState, session: Session, q: unknown, batchSize: number, b: string): Row {
  if (typeof q !== 'string' || q.trim() === '') {
    throw new RestRequestError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
  }
  if (q.length > MAX_SOQL_LENGTH) {
    throw new RestRequestError(
      400,
      'MALFORMED_QUERY',
      `Query is too long: ${q.length} characters, at most ${MAX_SOQL_LENGTH}`,
    );
  }
  const version = Number(/\/v(\d+\.\d)$/.exec(b)?.[1] ?? Number.NaN);
  const prepared = runQuery(state.registry, session.org, q, version);
  if (prepared.select === 'count') return { totalSize: prepared.rows.length, done: true, records: [] };
  const cursorId = state.openCursor({
    org: session.org,
    object: prepared.object,
    select: prepared.select,
    rows: prepared.rows,
    batchSize,
  });
  return page(state, cursorId, 0, b);
}

export function nextPage(state: SimState, session: Session, locator: string, b: string): Row {
  const m = /^(01g[A-Za-z0-9_-]+)-(\d+)$/.exec(locator);
  const cursor = m ? state.cursor(m[1]!) : undefined;
  if (!m || !cursor || cursor.org !== session.org || Number(m[2]) > cursor.rows.length) {
    throw new RestRequestError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
  }
  return page(state, m[1]!, Number(m[2]), b);
}

/** Registers query and queryMore (query/<locator>); Composite is `routes-composite.ts`. */
export function registerQueryRoutes(app: FastifyInstance, state: SimState): void {
  const rest = { config: { rest: true } };
  const v = '/services/data/:version';
  const query = async (request: FastifyRequest) => {
    const session = sessionOf(request);
    return startQuery(
      state,
      session,
      (request.query as { q?: unknown }).q,
      queryBatchSize(request, session.org),
      base(request),
    );
  };
  const queryMore = async (request: FastifyRequest) =>
    nextPage(state, sessionOf(request), (request.params as { locator: string }).locator, base(request));
  app.get(`${v}/query`, rest, query);
  app.get(`${v}/queryAll`, rest, query);
  app.get(`${v}/query/:locator`, rest, queryMore);
  app.get(`${v}/queryAll/:locator`, rest, queryMore);
}
