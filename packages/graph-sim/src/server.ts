import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { SimAdmin } from './admin.ts';
import { openIdConfiguration, TokenService } from './auth.ts';
import { ensureCertificates, trustCertificate } from './certificates.ts';
import { DeltaTokenCodec } from './delta.ts';
import { FaultPlan, type ThrottlePolicy } from './faults.ts';
import { errorEnvelope, GraphHttpError, graphErrors, newRequestId } from './graph-error.ts';
import { IdentityProvider } from './identity.ts';
import { guidFrom, seededRandom } from './ids.ts';
import { resourceUnitCost } from './resource-units.ts';
import { registerAdminRoutes } from './routes/admin-routes.ts';
import { registerAppRoutes } from './routes/app-routes.ts';
import { registerBatchRoutes } from './routes/batch-routes.ts';
import type { SimContext, SimSettings } from './routes/context.ts';
import { registerDeltaRoutes } from './routes/delta-routes.ts';
import { registerDirectoryRoutes } from './routes/directory-routes.ts';
import { registerIdentityRoutes } from './routes/identity-routes.ts';
import { registerSubscriptionRoutes } from './routes/subscription-routes.ts';
import { salesforceAppRoles } from './seed.ts';
import { TokenSigner } from './signing.ts';
import { DEFAULT_DELIVERY_RETRY, type DeliveryRetry, SubscriptionService } from './subscriptions.ts';
import { Tenant } from './tenant/tenant.ts';

export interface GraphSimOptions {
  /** TCP port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Address to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Host name clients use, in URLs and the certificate (default localhost). */
  readonly publicHost?: string;
  /** Synthetic users to seed at start (default 0). */
  readonly users?: number;
  /** Groups to seed at start (default: derived from `users`). */
  readonly groups?: number;
  /** Seed number: same seed, same tenant ids, users and groups (default 1). */
  readonly seed?: number;
  /** Where the CA is kept; an existing CA there is reused (default: a new temporary directory). */
  readonly certDir?: string;
  /** Client secret of the calling app (default: random). */
  readonly clientSecret?: string;
  /** Add the CA to this process's trust store so in-process clients accept it (default true). */
  readonly trustInProcess?: boolean;
  readonly deltaPageSize?: number;
  readonly deltaTokenTtlMs?: number;
  readonly tokenLifetimeSeconds?: number;
  readonly throttle?: ThrottlePolicy;
  /** Graph's resource-unit throttling by tenant size (3,500/5,000/8,000 RU per 10 s). Default false. */
  readonly resourceUnits?: boolean;
  readonly notificationRetry?: Partial<DeliveryRetry>;
  /** Accept `http://` notification URLs (Graph requires https). Default false. */
  readonly allowHttpNotificationUrl?: boolean;
  readonly logger?: boolean;
  /** Password of the seeded sign-in users (`provision.admin@…`, `provision.reader@…`); default: random. */
  readonly signInPassword?: string;
  /** Secret of the seeded "Provision CLI" client (Provision.Read and Provision.Operate); default: random. */
  readonly apiClientSecret?: string;
  /** SPA redirect URIs of the Provision app (the dashboard's address), registered at start. */
  readonly redirectUris?: readonly string[];
}

/** What the command prints and a test needs to connect. */
export interface GraphSimConnection {
  /** Graph base URL, e.g. `https://localhost:PORT` (the client adds `/v1.0`). */
  readonly url: string;
  /** `authorityHost` for `@azure/identity` (use with `disableInstanceDiscovery: true`). */
  readonly authorityHost: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** PEM file of the simulator's CA, for `NODE_EXTRA_CA_CERTS`. */
  readonly caCertPath: string;
  /** Object id of the Salesforce enterprise application's service principal. */
  readonly servicePrincipalId: string;
  /** Object id of the Salesforce application (where app roles are published). */
  readonly applicationId: string;
  /** Signing in to Provision itself: the Provision API app, the dev login users, a client with both roles. */
  readonly signIn: SignInConnection;
}

/** What a Provision service, the dashboard and the CLI need to sign in against the simulator. */
export interface SignInConnection {
  /** The Provision API app registration's client id: the tokens' audience and the dashboard's client id. */
  readonly apiAppId: string;
  /** The scope the dashboard asks for (`api://{apiAppId}/access_as_user`). */
  readonly scope: string;
  /** The scope of client-credentials tokens (`api://{apiAppId}/.default`). */
  readonly defaultScope: string;
  readonly issuer: string;
  readonly jwksUri: string;
  readonly users: readonly { username: string; password: string; roles: readonly string[] }[];
  /** A client granted Provision.Read and Provision.Operate. */
  readonly client: { clientId: string; clientSecret: string };
}

export interface GraphSim extends GraphSimConnection {
  /** The CA certificate (PEM). */
  readonly caCert: string;
  /** appId of the Salesforce application. */
  readonly appId: string;
  readonly admin: SimAdmin;
  readonly tenant: Tenant;
  readonly identity: IdentityProvider;
  close(): Promise<void>;
}

/** Starts a simulated tenant behind Graph over HTTPS. */
export async function startGraphSim(options: GraphSimOptions = {}): Promise<GraphSim> {
  const seed = options.seed ?? 1;
  const publicHost = options.publicHost ?? 'localhost';
  const random = seededRandom(seed ^ 0x5eed);
  const tenantId = guidFrom(random);
  const clientId = guidFrom(random);
  const application = {
    id: guidFrom(random),
    appId: guidFrom(random),
    displayName: 'Salesforce',
    appRoles: salesforceAppRoles(),
  };
  const servicePrincipal = {
    id: guidFrom(random),
    appId: application.appId,
    displayName: 'Salesforce',
    appRoleAssignmentRequired: true,
  };
  const tenant = new Tenant({ tenantId, domain: 'contoso.onmicrosoft.com', application, servicePrincipal });
  const clientSecret =
    options.clientSecret ?? `${randomBytes(3).toString('hex')}~${randomBytes(24).toString('base64url')}`;
  const signer = new TokenSigner();
  const lifetimeSeconds = options.tokenLifetimeSeconds ?? 3599;
  const identity = new IdentityProvider({
    tenantId,
    domain: 'contoso.onmicrosoft.com',
    signer,
    lifetimeSeconds: () => tokens.lifetimeSeconds,
    ...(options.signInPassword === undefined ? {} : { password: options.signInPassword }),
    ...(options.apiClientSecret === undefined ? {} : { clientSecret: options.apiClientSecret }),
  });
  for (const uri of options.redirectUris ?? []) identity.addRedirectUri(uri);
  const tokens: TokenService = new TokenService({
    signer,
    identity,
    tenantId,
    client: { clientId, clientSecret, displayName: 'Provision' },
    lifetimeSeconds,
  });
  const settings: SimSettings = {
    deltaPageSize: options.deltaPageSize ?? 200,
    deltaTokenTtlMs: options.deltaTokenTtlMs ?? 7 * 24 * 60 * 60 * 1000,
    deltaGeneration: 1,
  };
  const faults = new FaultPlan();
  faults.policy = options.throttle;
  faults.resourceUnits.enabled = options.resourceUnits ?? false;
  const subscriptions = new SubscriptionService({
    tenant,
    clientId,
    retry: { ...DEFAULT_DELIVERY_RETRY, ...options.notificationRetry },
    allowHttp: options.allowHttpNotificationUrl ?? false,
  });
  const ctx: SimContext = {
    tenant,
    tokens,
    codec: new DeltaTokenCodec(randomBytes(32)),
    faults,
    subscriptions,
    settings,
  };
  const admin = new SimAdmin({ tenant, faults, subscriptions, settings, tokens });
  if ((options.users ?? 0) > 0 || options.groups) {
    admin.seed({
      users: options.users ?? 0,
      seed,
      ...(options.groups === undefined ? {} : { groups: options.groups }),
    });
  }

  const certDir = options.certDir ?? (await mkdtemp(join(tmpdir(), 'graph-sim-')));
  const hosts = [...new Set([publicHost, 'localhost', '127.0.0.1'])];
  const certs = await ensureCertificates(certDir, hosts);
  if (options.trustInProcess ?? true) trustCertificate(certs.caCert);

  const app = Fastify({
    https: { key: certs.key, cert: certs.cert },
    logger: options.logger ?? false,
    bodyLimit: 4 * 1024 * 1024,
    forceCloseConnections: true,
  });
  buildApp(app, ctx, admin);
  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `https://${publicHost}:${port}`;
  identity.authorityHost = url;

  return {
    url,
    authorityHost: url,
    tenantId,
    clientId,
    clientSecret,
    caCertPath: certs.caCertPath,
    caCert: certs.caCert,
    servicePrincipalId: servicePrincipal.id,
    applicationId: application.id,
    signIn: signInConnection(identity),
    appId: application.appId,
    admin,
    tenant,
    identity,
    async close() {
      subscriptions.close();
      await app.close();
    },
  };
}

function buildApp(app: FastifyInstance, ctx: SimContext, admin: SimAdmin): void {
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    defaultJson(request, String(body), done);
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, new URLSearchParams(String(body)));
  });

  app.addHook('onRequest', async (request, reply) => {
    const requestId = newRequestId();
    reply.header('request-id', requestId);
    reply.header('client-request-id', String(request.headers['client-request-id'] ?? requestId));
    const route = request.routeOptions.url ?? request.url.split('?')[0] ?? request.url;
    ctx.faults.count(`${request.method} ${route}`);
    ctx.faults.count('total');
    if (!request.url.startsWith('/v1.0/')) return;
    ctx.tokens.verify(request.headers.authorization);
    const fault = ctx.faults.take(request.method, request.url, ['throttle', 'error', 'latency']);
    if (fault?.kind === 'latency') await delay(fault.ms);
    if (fault?.kind === 'throttle') throw graphErrors.tooManyRequests(fault.retryAfterSeconds);
    if (fault?.kind === 'error')
      throw new GraphHttpError(fault.status, fault.code, fault.message ?? 'Injected failure.');
    if (!request.url.startsWith('/v1.0/$batch')) {
      const wait = ctx.faults.overPolicy(Date.now());
      if (wait !== undefined) throw graphErrors.tooManyRequests(wait);
      const cost = resourceUnitCost(request.method, request.url);
      const admission = ctx.faults.resourceUnits.admit(cost, ctx.tenant.users.objects.size, Date.now());
      if (!admission.ok) throw graphErrors.tooManyRequests(admission.retryAfterSeconds);
      if (ctx.faults.resourceUnits.enabled) reply.header('x-ms-resource-unit', String(cost));
      if (admission.limitPercentage !== undefined) {
        reply.header('x-ms-throttle-limit-percentage', String(admission.limitPercentage));
      }
    }
  });

  app.setErrorHandler((error: FastifyError | GraphHttpError, request, reply) => {
    let status: number;
    let code: string;
    let message: string;
    if (error instanceof GraphHttpError) {
      ({ status, code, message } = error);
      for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
    } else if (error.statusCode === 413) {
      [status, code, message] = [413, 'RequestEntityTooLarge', 'The request body is too large.'];
    } else if (error.statusCode === 415) {
      [status, code, message] = [
        415,
        'UnsupportedMediaType',
        `Unsupported content type '${request.headers['content-type'] ?? ''}'.`,
      ];
    } else if (error.statusCode !== undefined && error.statusCode < 500) {
      status = 400;
      code = 'BadRequest';
      message = error.code?.startsWith('FST_ERR_CTP')
        ? 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.'
        : error.message;
    } else {
      request.log.error({ err: error }, 'graph-sim internal error');
      [status, code, message] = [500, 'UnknownError', 'An internal server error occurred.'];
    }
    const requestId = String(reply.getHeader('request-id') ?? newRequestId());
    const clientRequestId = request.headers['client-request-id'];
    reply
      .code(status)
      .type('application/json')
      .send(errorEnvelope(code, message, requestId, typeof clientRequestId === 'string' ? clientRequestId : undefined));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const segment = path.split('/').filter(Boolean).pop() ?? '';
    const graph = path.startsWith('/v1.0/');
    reply
      .code(graph ? 400 : 404)
      .type('application/json')
      .send(
        errorEnvelope(
          graph ? 'BadRequest' : 'NotFound',
          `Resource not found for the segment '${segment}'.`,
          newRequestId(),
          undefined,
        ),
      );
  });

  // Entra ID: OpenID configuration and the token endpoint, on the same host (the `authorityHost`).
  app.get('/:tenant/v2.0/.well-known/openid-configuration', async (request, reply) => {
    const { tenant } = request.params as { tenant: string };
    if (tenant.toLowerCase() !== ctx.tokens.tenantId) {
      reply.code(400);
      return {
        error: 'invalid_tenant',
        error_description: `AADSTS90002: Tenant '${tenant}' not found.`,
        error_codes: [90002],
      };
    }
    return openIdConfiguration(
      `https://${request.headers.host ?? 'localhost'}`,
      ctx.tokens.tenantId,
      ctx.tokens.identity.issuer,
    );
  });
  app.post('/:tenant/oauth2/v2.0/token', async (request, reply) => {
    const { tenant } = request.params as { tenant: string };
    const form = request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
    const result = ctx.tokens.grant(tenant, form);
    reply.code(result.status).header('cache-control', 'no-store, no-cache');
    return result.body;
  });

  registerIdentityRoutes(app, ctx.tokens, ctx.tokens.identity);
  registerDeltaRoutes(app, ctx);
  registerDirectoryRoutes(app, ctx);
  registerAppRoutes(app, ctx);
  registerSubscriptionRoutes(app, ctx);
  registerBatchRoutes(app);
  registerAdminRoutes(app, admin);
}

function signInConnection(identity: IdentityProvider): SignInConnection {
  const client = identity.operatorClient;
  return {
    apiAppId: identity.api.appId,
    scope: `${identity.api.identifierUri}/access_as_user`,
    defaultScope: `${identity.api.identifierUri}/.default`,
    issuer: identity.issuer,
    jwksUri: `${identity.authorityHost}/${identity.tenantId}/discovery/v2.0/keys`,
    users: identity.users.map((u) => ({ username: u.username, password: u.password, roles: u.roles })),
    client: { clientId: client.clientId, clientSecret: client.clientSecret },
  };
}
