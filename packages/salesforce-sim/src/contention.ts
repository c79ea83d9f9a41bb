import type { FastifyInstance, FastifyRequest } from 'fastify';
import { costMs, lockProbability, type Operation } from './model.ts';
import type { SimState } from './state.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The performance model's verdict for this request: its chance of a locked row per record. */
    contention?: { readonly lockRate: number; release(): void };
  }
}

/** What a REST request is, for the performance model, and how many records it carries. */
export function classify(request: FastifyRequest): { operation: Operation; records: number } {
  const route = request.routeOptions.url ?? '';
  const method = request.method;
  const body = request.body as { records?: unknown } | undefined;
  if (route.endsWith('/composite/sobjects')) {
    if (method === 'DELETE') {
      const ids = (request.query as { ids?: unknown }).ids;
      return { operation: 'assignmentWrite', records: typeof ids === 'string' ? ids.split(',').length : 0 };
    }
    const records = Array.isArray(body?.records) ? (body.records as { attributes?: { type?: unknown } }[]) : [];
    const users = records.filter((r) => /^user(login)?$/i.test(String(r?.attributes?.type ?? ''))).length;
    if (users === 0) return { operation: 'assignmentWrite', records: records.length };
    return { operation: method === 'PATCH' ? 'userUpdate' : 'userInsert', records: records.length };
  }
  if (/\/sobjects\/:type(\/:id)?$/.test(route) && (method === 'POST' || method === 'PATCH')) {
    const type = String((request.params as { type?: string }).type ?? '');
    if (!/^user(login)?$/i.test(type)) return { operation: 'assignmentWrite', records: 1 };
    return { operation: method === 'POST' ? 'userInsert' : 'userUpdate', records: 1 };
  }
  if (/\/(query|queryAll)(\/:locator)?$/.test(route) || route.endsWith('/composite') || route.endsWith('/:type')) {
    return { operation: 'query', records: 0 };
  }
  return { operation: 'other', records: 0 };
}

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
    const { operation, records } = classify(request);
    const userWrite = operation === 'userInsert' || operation === 'userUpdate';
    const startedAt = Date.now();
    const before = userWrite ? org.beginUserWrite(startedAt) : org.userWritesInFlight;
    let released = false;
    const release = () => {
      if (userWrite && !released) org.endUserWrite(startedAt);
      released = true;
    };
    request.contention = { lockRate: 0, release };
    const delay = costMs(model, operation, records, before);
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
