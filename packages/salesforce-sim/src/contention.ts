import type { FastifyInstance, FastifyRequest } from 'fastify';
import { costMs, lockProbability, type Operation } from './model.ts';
import { subrequestKind } from './routes-composite.ts';
import type { SimState } from './state.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The performance model's verdict for this request: its chance of a locked row per record. */
    contention?: { readonly lockRate: number; release(): void };
  }
}

/** One priced part of a request: what it is, and how many records it carries. */
export interface Part {
  readonly operation: Operation;
  readonly records: number;
}

function collectionPart(method: string, body: unknown, ids: string | undefined): Part {
  if (method === 'DELETE') return { operation: 'assignmentWrite', records: ids ? ids.split(',').length : 0 };
  const list = (body as { records?: unknown } | undefined)?.records;
  const records = Array.isArray(list) ? (list as { attributes?: { type?: unknown } }[]) : [];
  const users = records.filter((r) => /^user(login)?$/i.test(String(r?.attributes?.type ?? ''))).length;
  if (users === 0) return { operation: 'assignmentWrite', records: records.length };
  return { operation: method === 'PATCH' ? 'userUpdate' : 'userInsert', records: records.length };
}

/**
 * What a REST request is, for the performance model: one part, or for a Composite call one part per
 * subrequest (they run one after the other, so their costs add up).
 */
export function classify(request: FastifyRequest): Part[] {
  const route = request.routeOptions.url ?? '';
  const method = request.method;
  if (route.endsWith('/composite/sobjects')) {
    const ids = (request.query as { ids?: unknown }).ids;
    return [collectionPart(method, request.body, typeof ids === 'string' ? ids : undefined)];
  }
  if (route.endsWith('/composite') && method === 'POST') {
    const list = (request.body as { compositeRequest?: unknown } | undefined)?.compositeRequest;
    const subrequests = Array.isArray(list) ? (list as { method?: unknown; url?: unknown; body?: unknown }[]) : [];
    return subrequests.map((sub) => {
      const kind =
        typeof sub?.method === 'string' && typeof sub.url === 'string'
          ? subrequestKind({ method: sub.method.toUpperCase(), url: sub.url })
          : { kind: 'unsupported' as const };
      if (kind.kind === 'insert' || kind.kind === 'update' || kind.kind === 'delete')
        return collectionPart(
          String(sub.method).toUpperCase(),
          sub.body,
          kind.kind === 'delete' ? kind.ids : undefined,
        );
      return { operation: kind.kind === 'query' ? 'query' : 'other', records: 0 };
    });
  }
  if (/\/sobjects\/:type(\/:id)?$/.test(route) && (method === 'POST' || method === 'PATCH')) {
    const type = String((request.params as { type?: string }).type ?? '');
    if (!/^user(login)?$/i.test(type)) return [{ operation: 'assignmentWrite', records: 1 }];
    return [{ operation: method === 'POST' ? 'userInsert' : 'userUpdate', records: 1 }];
  }
  if (/\/(query|queryAll)(\/:locator)?$/.test(route) || route.endsWith('/:type')) {
    return [{ operation: 'query', records: 0 }];
  }
  return [{ operation: 'other', records: 0 }];
}

const isUserWrite = (part: Part) => part.operation === 'userInsert' || part.operation === 'userUpdate';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Applies the performance model to every authenticated REST request: it waits the request's cost
 * (counted as processing time, so a slow request can become long-running), and a User write gets
 * the chance of locked rows that the overlapping User writes of its org give it.
 */
export function registerContention(app: FastifyInstance, state: SimState): void {
  app.addHook('preHandler', async (request) => {
    const org = request.session?.org;
    if (!request.routeOptions.config.rest || !org) return;
    const model = state.model;
    const parts = classify(request);
    // A Composite call writes its users one subrequest after the other: one User write in flight.
    const userWrite = parts.some(isUserWrite);
    const startedAt = Date.now();
    const before = userWrite ? org.beginUserWrite(startedAt) : org.userWritesInFlight;
    let released = false;
    const release = () => {
      if (userWrite && !released) org.endUserWrite(startedAt);
      released = true;
    };
    request.contention = { lockRate: 0, release };
    const delay = parts.reduce((sum, part) => sum + costMs(model, part.operation, part.records, before), 0);
    if (delay > 0) await sleep(delay);
    if (userWrite) {
      // Writes that began while this one ran contend with it too.
      const overlapping = Math.max(before, org.userWritesInFlight - 1);
      request.contention = { lockRate: lockProbability(model, overlapping), release };
    }
  });
  const done = async (request: FastifyRequest) => request.contention?.release();
  app.addHook('onResponse', done);
  app.addHook('onRequestAbort', done);
}
