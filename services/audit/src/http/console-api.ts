import { errorBody, requireJson } from '@provision/auth';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { evaluateForConsole } from './expression-tester.ts';

/** What the writers share in Redis: the Salesforce API budget and the concurrency limit (the whole fleet's). */
export interface WriterCapacity {
  budget: { usedThisWindow: number; perMinute: number | null; windowEndsInMs: number | null };
  concurrency: { limit: number | null; inFlight: number };
}

/** Reads the writers' shared capacity (read-only). */
export interface WriterCapacityReader {
  read(): Promise<WriterCapacity>;
}

/** How far one consumer group is behind on one topic (messages not yet processed, all partitions). */
export interface GroupLag {
  /** The group id without the topic prefix, e.g. `provision-writer`. */
  group: string;
  topic: string;
  lag: number;
}

/** Reads the consumer lag of Provision's consumer groups (read-only). */
export interface ConsumerLagReader {
  read(): Promise<GroupLag[]>;
}

/** The other services the console reaches through the audit (their HTTP port), when configured. */
export interface ConsoleUpstreams {
  /** Consumer lag per stage, read from Kafka. */
  readonly lag?: ConsumerLagReader | null | undefined;
  /** The writers' shared budget in Redis (needs REDIS_URL). */
  readonly capacity?: WriterCapacityReader | null | undefined;
  /** The ingestor: provision on demand; pause, resume and restart provisioning; clear the writers' quarantine. */
  readonly ingestorUrl?: string | undefined;
  /** The mapper: the deactivation guard, a user's Entra picture and decision, the effective mapping. */
  readonly mapperUrl?: string | undefined;
  /** The writer: a user's live Salesforce record (the only service with Salesforce credentials). */
  readonly writerUrl?: string | undefined;
}

type Upstream = 'ingestor' | 'mapper' | 'writer';

const ENV: Record<Upstream, string> = { ingestor: 'INGESTOR_URL', mapper: 'MAPPER_URL', writer: 'WRITER_URL' };
const OBJECT_ID = /^[0-9a-fA-F-]{1,64}$/;
const TIMEOUT_MS = 15_000;

/**
 * `/api/console/*`: what the admin console needs from the other services, relayed with the caller's
 * own bearer token, so each service checks the caller's roles itself (Provision.Operate for the
 * guard's release, provision on demand, pause, resume, restart and the quarantine clear). The audit adds no authority of its own: it only saves
 * the browser a second origin and CORS. Also the expression tester, evaluated here (pure).
 */
export function registerConsoleApi(app: FastifyInstance, upstreams: ConsoleUpstreams): void {
  const base: Record<Upstream, string | undefined> = {
    ingestor: upstreams.ingestorUrl?.replace(/\/+$/, ''),
    mapper: upstreams.mapperUrl?.replace(/\/+$/, ''),
    writer: upstreams.writerUrl?.replace(/\/+$/, ''),
  };
  void app.register(async (scope) => {
    requireJson(scope);
    scope.get('/api/console/services', async () => ({
      ingestor: base.ingestor !== undefined,
      mapper: base.mapper !== undefined,
      writer: base.writer !== undefined,
      capacity: Boolean(upstreams.capacity),
      lag: Boolean(upstreams.lag),
    }));
    scope.get('/api/console/consumer-lag', async (request, reply) => {
      if (!upstreams.lag) {
        return reply.code(503).send({
          error: {
            code: null,
            message: 'The console cannot read consumer lag here.',
            retriable: false,
            details: { unavailable: true },
          },
        });
      }
      try {
        return { groups: await upstreams.lag.read() };
      } catch (err) {
        request.log.warn({ err }, 'could not read consumer lag');
        return reply.code(503).send({
          error: {
            code: null,
            message: `Kafka did not answer (${(err as Error).message}).`,
            retriable: true,
            details: {},
          },
        });
      }
    });
    scope.get('/api/console/writer-capacity', async (request, reply) => {
      if (!upstreams.capacity) {
        return reply.code(503).send({
          error: {
            code: null,
            message:
              "The console cannot read the writers' budget: set REDIS_URL (and REDIS_PREFIX) on the audit service.",
            retriable: false,
            details: { unavailable: true },
          },
        });
      }
      try {
        return await upstreams.capacity.read();
      } catch (err) {
        request.log.warn({ err }, "could not read the writers' capacity");
        return reply.code(503).send({
          error: {
            code: null,
            message: `Redis did not answer (${(err as Error).message}).`,
            retriable: true,
            details: {},
          },
        });
      }
    });
    scope.post('/api/console/provision-on-demand', { bodyLimit: 4 * 1024 }, async (request, reply) => {
      const userId = (request.body as { userId?: unknown } | null)?.userId;
      if (typeof userId !== 'string' || !OBJECT_ID.test(userId)) {
        return reply.code(400).send(badRequest("Body field 'userId': expected an Entra object id"));
      }
      return relay(request, reply, 'ingestor', '/api/provision-on-demand', { userId });
    });
    scope.get('/api/console/provisioning', async (request, reply) =>
      relay(request, reply, 'ingestor', '/api/provisioning'),
    );
    scope.post('/api/console/provisioning/pause', { bodyLimit: 4 * 1024 }, async (request, reply) => {
      const reason = (request.body as { reason?: unknown } | null)?.reason;
      if (reason !== undefined && reason !== null && typeof reason !== 'string') {
        return reply.code(400).send(badRequest("Body field 'reason': expected text"));
      }
      return relay(request, reply, 'ingestor', '/api/provisioning/pause', reason ? { reason } : {});
    });
    for (const action of ['resume', 'restart'] as const) {
      scope.post(`/api/console/provisioning/${action}`, { bodyLimit: 1024 }, async (request, reply) =>
        relay(request, reply, 'ingestor', `/api/provisioning/${action}`, {}),
      );
    }
    scope.post('/api/console/quarantine/clear', { bodyLimit: 1024 }, async (request, reply) =>
      relay(request, reply, 'ingestor', '/api/writer-quarantine/clear', {}),
    );
    scope.get('/api/console/guard', async (request, reply) =>
      relay(request, reply, 'mapper', '/api/deactivation-guard'),
    );
    scope.post('/api/console/guard/release', { bodyLimit: 1024 }, async (request, reply) =>
      relay(request, reply, 'mapper', '/api/deactivation-guard/release', {}),
    );
    scope.get('/api/console/users/:userId/entra', async (request, reply) => {
      const { userId } = request.params as { userId: string };
      if (!OBJECT_ID.test(userId))
        return reply.code(400).send(badRequest("Path 'userId': expected an Entra object id"));
      return relay(request, reply, 'mapper', `/api/users/${encodeURIComponent(userId.toLowerCase())}`);
    });
    // The live Salesforce record, read by the writer; the matching value is the mapper's decision's,
    // which the page already holds (the writer accepts only an attribute the mapping matches by).
    scope.get('/api/console/users/:userId/salesforce', async (request, reply) => {
      const { userId } = request.params as { userId: string };
      if (!OBJECT_ID.test(userId))
        return reply.code(400).send(badRequest("Path 'userId': expected an Entra object id"));
      const q = request.query as { matchAttribute?: unknown; matchValue?: unknown };
      const query = new URLSearchParams();
      if (typeof q.matchAttribute === 'string' && typeof q.matchValue === 'string') {
        query.set('matchAttribute', q.matchAttribute);
        query.set('matchValue', q.matchValue);
      }
      const search = query.size > 0 ? `?${query}` : '';
      return relay(
        request,
        reply,
        'writer',
        `/api/salesforce-users/${encodeURIComponent(userId.toLowerCase())}${search}`,
      );
    });
    scope.get('/api/console/mapping', async (request, reply) => relay(request, reply, 'mapper', '/api/mapping'));
    scope.post('/api/console/mapping/preview', { bodyLimit: 256 * 1024 }, async (request, reply) => {
      const body = (request.body ?? {}) as { mapping?: unknown; sample?: unknown };
      if (typeof body.mapping !== 'string') {
        return reply.code(400).send(badRequest("Body field 'mapping': expected the mapping as YAML or JSON text"));
      }
      return relay(request, reply, 'mapper', '/api/mapping/preview', {
        mapping: body.mapping,
        ...(body.sample === undefined ? {} : { sample: body.sample }),
      });
    });
    scope.post('/api/console/expression', { bodyLimit: 16 * 1024 }, async (request, reply) => {
      const answer = evaluateForConsole(request.body);
      if ('problem' in answer) return reply.code(400).send(badRequest(answer.problem));
      return answer;
    });
  });

  async function relay(
    request: FastifyRequest,
    reply: FastifyReply,
    upstream: Upstream,
    path: string,
    body?: unknown,
  ): Promise<FastifyReply> {
    const root = base[upstream];
    if (root === undefined) {
      return reply.code(503).send({
        error: {
          code: null,
          message: `The console cannot reach the ${upstream}: set ${ENV[upstream]} on the audit service.`,
          retriable: false,
          details: { upstream, unavailable: true },
        },
      });
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (request.headers.authorization) headers['authorization'] = request.headers.authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let answer: Response;
    try {
      answer = await fetch(`${root}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      request.log.warn({ err, upstream }, 'console relay failed');
      return reply.code(502).send({
        error: {
          code: null,
          message: `The ${upstream} did not answer (${(err as Error).message}).`,
          retriable: true,
          details: { upstream },
        },
      });
    }
    const text = await answer.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      parsed = { message: text.slice(0, 500) };
    }
    if (answer.ok) return reply.code(answer.status).send(parsed);
    // The service's challenge (403 insufficient_scope: which role) and when to try again (429) are
    // the caller's to read, as if it had called the service itself.
    for (const name of ['www-authenticate', 'retry-after']) {
      const value = answer.headers.get(name);
      if (value !== null) reply.header(name, value);
    }
    // Every service answers `{ error: { code, message, retriable, details } }`; the relay adds which
    // service answered to the details (and keeps what else it said there: the writer's `tried`).
    // Anything else (a proxy's HTML page, an answer cut short) is relayed as its text.
    const { error: nested, message } = parsed as { error?: unknown; message?: unknown };
    const error: { details?: unknown } =
      typeof nested === 'object' && nested !== null
        ? nested
        : errorBody(null, typeof message === 'string' ? message : `HTTP ${answer.status}`).error;
    const details = typeof error.details === 'object' && error.details !== null ? error.details : {};
    return reply.code(answer.status).send({ error: { ...error, details: { ...details, upstream } } });
  }
}

function badRequest(message: string) {
  return errorBody('PRV_BAD_REQUEST', message);
}
