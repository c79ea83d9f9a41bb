import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { AdminError, SimAdmin } from './admin.ts';
import { registerContention } from './contention.ts';
import { NOT_FOUND_MESSAGE, RestRequestError } from './errors.ts';
import { decideFault } from './faults.ts';
import { applyModelChange, INSTANT, type ModelChange } from './model.ts';
import { type Org, Registry } from './org.ts';
import { registerAdminRoutes } from './routes-admin.ts';
import { apiAccessProblem, registerAuthRoutes } from './routes-auth.ts';
import { MAX_VERSION, MIN_VERSION, registerRestRoutes } from './routes-rest.ts';
import { type OrgCredentials, type OrgSeed, seedOrg } from './seed.ts';
import { SimState } from './state.ts';
import { createTlsMaterial } from './tls.ts';

export interface SalesforceSimOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Serve HTTPS with a freshly generated self-signed certificate. */
  https?: boolean;
  /** The first org; the default is an Enterprise Edition org with the standard profiles. */
  org?: OrgSeed;
  /** Log requests (pino, through fastify). */
  logger?: boolean;
  /**
   * The performance model: a profile name (`instant`, the default, or `realistic`) or a profile
   * with overridden parameters (`{ profile: 'realistic', costs: { userInsert: { baseMs: 800 } } }`).
   */
  model?: string | ModelChange;
}

/** A running simulator. */
export interface SalesforceSim {
  /** Base URL (instance URL) of the simulator. */
  readonly url: string;
  /** Login URL: SOAP login() and the OAuth token endpoint live here (the same origin as `url`). */
  readonly loginUrl: string;
  /** Admin credentials and connected-app material of the first org. */
  readonly credentials: OrgCredentials;
  readonly orgId: string;
  /** PEM certificate to trust when serving HTTPS (self-signed). */
  readonly caCertificate: string | undefined;
  /** The admin operations (the same as `/__admin/…`), called in-process. */
  readonly admin: SimAdmin;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

interface InFlight {
  readonly start: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    inFlight?: { org: Org; entry: InFlight };
  }
}

function restError(reply: FastifyReply, status: number, errorCode: string, message: string) {
  return reply.code(status).send([{ message, errorCode }]);
}

/** Builds the simulator's fastify app over a state (no listening). */
export function buildSimApp(
  state: SimState,
  options: { https?: { key: string; cert: string }; logger?: boolean } = {},
) {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 16 * 1024 * 1024,
    // Node's default limit of 16 KiB on the request line and headers answers 431 beyond it, as
    // Salesforce does past 16,384 bytes of URI and headers (KB 000386264).
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;
  const admin = new SimAdmin(state);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    const source = String(text);
    if (source.trim() === '') {
      done(new RestRequestError(400, 'JSON_PARSER_ERROR', 'No content to map due to end-of-input'), undefined);
      return;
    }
    try {
      done(null, JSON.parse(source));
    } catch (error) {
      done(
        new RestRequestError(400, 'JSON_PARSER_ERROR', `Unexpected character: ${(error as Error).message}`),
        undefined,
      );
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, text, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(text))));
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, text, done) => done(null, String(text)));

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/__admin')) return;
    state.countRequest(`${request.method} ${request.routeOptions.url ?? '(unmatched)'}`);
    const fault = decideFault(state.faults, request.url);
    const delay = () => new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault.kind === 'drop') {
      await delay();
      reply.hijack();
      request.raw.socket.destroy();
      return reply;
    }
    if (fault.kind === 'error') {
      await delay();
      if (fault.retryAfterSeconds !== undefined) reply.header('retry-after', String(fault.retryAfterSeconds));
      return restError(reply, fault.status, fault.errorCode, fault.message);
    }
    if (request.routeOptions.config.rest) {
      const refused = authenticate(state, request, reply);
      if (refused) return refused;
    }
    // Latency counts as processing time: the request is in flight (and may become long-running).
    if (fault.delayMs > 0) await delay();
    return undefined;
  });

  const settle = async (request: FastifyRequest) => {
    if (!request.inFlight) return;
    const { org, entry } = request.inFlight;
    request.inFlight = undefined;
    if (org.inFlight.delete(entry)) org.endRequest(entry.start);
  };
  app.addHook('onResponse', settle);
  app.addHook('onRequestAbort', settle);

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof RestRequestError) {
      return reply.code(error.status).headers(error.headers).send(error.errors);
    }
    if (error instanceof AdminError) return reply.code(error.status).send({ error: error.message });
    if (request.url.startsWith('/__admin')) return reply.code(error.statusCode ?? 500).send({ error: error.message });
    if (error.statusCode && error.statusCode < 500) {
      const code = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'REQUEST_ENTITY_TOO_LARGE' : 'JSON_PARSER_ERROR';
      return restError(reply, error.statusCode, code, error.message);
    }
    request.log.error(error);
    return restError(reply, 500, 'UNKNOWN_EXCEPTION', `An unexpected error occurred: ${error.message}`);
  });

  app.setNotFoundHandler((_request, reply) => restError(reply, 404, 'NOT_FOUND', NOT_FOUND_MESSAGE));

  registerContention(app, state);
  registerAuthRoutes(app, state);
  registerRestRoutes(app, state);
  registerAdminRoutes(app, admin);
  return { app, admin };
}

/** Session, API access, daily allocation and long-running concurrency checks for a REST request. */
function authenticate(state: SimState, request: FastifyRequest, reply: FastifyReply) {
  const version = (request.params as { version?: string }).version ?? '';
  const m = /^v(\d+)\.0$/.exec(version);
  if (!m || Number(m[1]) < MIN_VERSION || Number(m[1]) > MAX_VERSION) {
    return restError(reply, 404, 'NOT_FOUND', NOT_FOUND_MESSAGE);
  }
  const token = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const session = token ? state.registry.session(token) : undefined;
  if (!session) return restError(reply, 401, 'INVALID_SESSION_ID', 'Session expired or invalid');
  const org = session.org;
  const problem = apiAccessProblem(org, session.userId);
  if (problem) return restError(reply, 403, problem.code, problem.message);
  const now = Date.now();
  const usage = org.apiUsage(now);
  reply.header('Sforce-Limit-Info', `api-usage=${usage.used}/${usage.limit}`);
  if (usage.used >= usage.limit) {
    org.load.refusedDaily++;
    return restError(reply, 403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
  }
  let longRunning = 0;
  for (const r of org.inFlight) if (now - r.start >= org.settings.longRunningThresholdMs) longRunning++;
  org.load.maxLongRunning = Math.max(org.load.maxLongRunning, longRunning);
  if (longRunning >= org.settings.concurrentLongRunningLimit) {
    org.load.refusedConcurrent++;
    return restError(
      reply,
      403,
      'REQUEST_LIMIT_EXCEEDED',
      'ConcurrentRequests (Concurrent API Requests) Limit exceeded.',
    );
  }
  reply.header('Sforce-Limit-Info', `api-usage=${org.countApiRequest(now)}/${usage.limit}`);
  const entry = { start: now };
  org.inFlight.add(entry);
  org.load.maxInFlight = Math.max(org.load.maxInFlight, org.inFlight.size);
  request.inFlight = { org, entry };
  request.session = session;
  return undefined;
}

/** Starts a simulator with one seeded org and returns its address, credentials and admin helpers. */
export async function startSalesforceSim(options: SalesforceSimOptions = {}): Promise<SalesforceSim> {
  const registry = new Registry();
  const state = new SimState(registry);
  if (options.model !== undefined) {
    state.model = applyModelChange(
      INSTANT,
      typeof options.model === 'string' ? { profile: options.model } : options.model,
    );
  }
  const tls = options.https ? await createTlsMaterial() : undefined;
  const credentials = await seedOrg(registry, options.org);
  const { app, admin } = buildSimApp(state, {
    ...(tls ? { https: { key: tls.privateKey, cert: tls.certificate } } : {}),
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  });
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const hostPart = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `${tls ? 'https' : 'http'}://${hostPart}:${port}`;
  return {
    url,
    loginUrl: url,
    credentials,
    orgId: credentials.orgId,
    caCertificate: tls?.certificate,
    admin,
    app,
    close: () => app.close(),
  };
}
