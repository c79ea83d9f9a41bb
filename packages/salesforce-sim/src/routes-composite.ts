import type { FastifyInstance, FastifyRequest } from 'fastify';
import { collectionBody, deleteCollection, writeCollection } from './collections.ts';
import { RestRequestError } from './errors.ts';
import type { Row, Session } from './org.ts';
import { sessionOf } from './rest-common.ts';
import { nextPage, queryBatchSize, startQuery } from './routes-query.ts';
import type { SimState } from './state.ts';

/** Subrequests in one Composite call. */
export const MAX_COMPOSITE_SUBREQUESTS = 25;
/** Of them, at most this many may be query or sObject Collections operations. */
export const MAX_COMPOSITE_HEAVY = 5;
/** sObject Collections subrequests are served in Composite from API 43.0. */
const COLLECTIONS_SINCE = 43;

export interface Subrequest {
  readonly method: string;
  readonly url: string;
  readonly referenceId: string;
  readonly body?: unknown;
}

/** What a subrequest is: a query (or its next page), or a Collections write; else unsupported. */
export type SubrequestKind =
  | { readonly kind: 'query'; readonly version: string; readonly locator?: string; readonly q: string }
  | { readonly kind: 'insert' | 'update'; readonly version: string }
  | { readonly kind: 'delete'; readonly version: string; readonly ids?: string; readonly allOrNone?: string }
  | { readonly kind: 'unsupported' };

export function subrequestKind(sub: Pick<Subrequest, 'method' | 'url'>): SubrequestKind {
  const url = new URL(sub.url, 'http://composite.invalid');
  const query = /^\/services\/data\/v(\d+\.\d)\/(query|queryAll)(?:\/([^/]+))?\/?$/.exec(url.pathname);
  if (query && sub.method === 'GET') {
    return {
      kind: 'query',
      version: query[1]!,
      q: url.searchParams.get('q') ?? '',
      ...(query[3] ? { locator: query[3] } : {}),
    };
  }
  const collections = /^\/services\/data\/v(\d+\.\d)\/composite\/sobjects\/?$/.exec(url.pathname);
  if (collections && sub.method === 'POST') return { kind: 'insert', version: collections[1]! };
  if (collections && sub.method === 'PATCH') return { kind: 'update', version: collections[1]! };
  if (collections && sub.method === 'DELETE') {
    const ids = url.searchParams.get('ids');
    const allOrNone = url.searchParams.get('allOrNone');
    return {
      kind: 'delete',
      version: collections[1]!,
      ...(ids !== null ? { ids } : {}),
      ...(allOrNone !== null ? { allOrNone } : {}),
    };
  }
  return { kind: 'unsupported' };
}

/** The subrequests of a Composite body, checked against Salesforce's limits; throws a 400 naming what is wrong. */
export function compositeSubrequests(body: unknown): Subrequest[] {
  const list = (body as { compositeRequest?: unknown } | null)?.compositeRequest;
  if (!Array.isArray(list) || list.length === 0) {
    throw new RestRequestError(
      400,
      'JSON_PARSER_ERROR',
      'compositeRequest: a non-empty array of subrequests is required',
    );
  }
  if (list.length > MAX_COMPOSITE_SUBREQUESTS) {
    throw new RestRequestError(
      400,
      'LIMIT_EXCEEDED',
      `Max number of subrequests allowed in composite is ${MAX_COMPOSITE_SUBREQUESTS}`,
    );
  }
  const subrequests = list.map((sub: Record<string, unknown>): Subrequest => {
    if (
      typeof sub?.['method'] !== 'string' ||
      typeof sub['url'] !== 'string' ||
      typeof sub['referenceId'] !== 'string'
    ) {
      throw new RestRequestError(400, 'JSON_PARSER_ERROR', 'Each subrequest needs method, url and referenceId');
    }
    return {
      method: sub['method'].toUpperCase(),
      url: sub['url'],
      referenceId: sub['referenceId'],
      ...(sub['body'] !== undefined ? { body: sub['body'] } : {}),
    };
  });
  // Salesforce: "up to 5 of these subrequests can be sObject Collections or query operations".
  // Its exact refusal is not documented; the simulator refuses the call as a whole, naming the limit.
  const heavy = subrequests.filter((s) => subrequestKind(s).kind !== 'unsupported').length;
  if (heavy > MAX_COMPOSITE_HEAVY) {
    throw new RestRequestError(
      400,
      'LIMIT_EXCEEDED',
      `At most ${MAX_COMPOSITE_HEAVY} subrequests of a composite can be sObject Collections or query operations (got ${heavy})`,
    );
  }
  return subrequests;
}

function runSubrequest(state: SimState, session: Session, sub: Subrequest, request: FastifyRequest): unknown {
  const kind = subrequestKind(sub);
  if (kind.kind === 'unsupported') {
    const path = new URL(sub.url, 'http://composite.invalid').pathname;
    throw new RestRequestError(
      400,
      'INVALID_OPERATION',
      `The simulator serves query and sObject Collections subrequests in Composite, not ${sub.method} ${path}`,
    );
  }
  const b = `/services/data/v${kind.version}`;
  if (kind.kind === 'query') {
    return kind.locator
      ? nextPage(state, session, kind.locator, b)
      : startQuery(state, session, kind.q, queryBatchSize(request, session.org), b);
  }
  if (Number(kind.version) < COLLECTIONS_SINCE) {
    throw new RestRequestError(
      400,
      'INVALID_OPERATION',
      `sObject Collections subrequests need API version ${COLLECTIONS_SINCE}.0 or later (got v${kind.version})`,
    );
  }
  if (kind.kind === 'delete') return deleteCollection(session, { ids: kind.ids, allOrNone: kind.allOrNone });
  // Each write subrequest is its own Collections call: the request's locked-row chance applies to it.
  return writeCollection(state, session, collectionBody(sub.body), kind.kind, sub.url, request.contention?.lockRate);
}

/**
 * Composite (`POST …/composite`): subrequests run in order in one call, counted as one API request.
 * The simulator serves query (and query-more) subrequests and sObject Collections inserts, updates
 * and deletes, each answered on its own (`allOrNone: false`): a failed one does not stop the others.
 */
export function registerCompositeRoute(app: FastifyInstance, state: SimState): void {
  app.post('/services/data/:version/composite', { config: { rest: true } }, async (request) => {
    const session = sessionOf(request);
    const subrequests = compositeSubrequests(request.body);
    const writes = subrequests.some((s) => ['insert', 'update', 'delete'].includes(subrequestKind(s).kind));
    if (writes && (request.body as { allOrNone?: unknown }).allOrNone === true) {
      throw new RestRequestError(
        400,
        'INVALID_OPERATION',
        'The simulator does not roll back Composite writes: send allOrNone false (or each Collections call on its own)',
      );
    }
    const compositeResponse = subrequests.map((sub): Row => {
      try {
        return {
          body: runSubrequest(state, session, sub, request),
          httpHeaders: {},
          httpStatusCode: 200,
          referenceId: sub.referenceId,
        };
      } catch (error) {
        if (!(error instanceof RestRequestError)) throw error;
        return { body: error.errors, httpHeaders: {}, httpStatusCode: error.status, referenceId: sub.referenceId };
      }
    });
    return { compositeResponse };
  });
}
