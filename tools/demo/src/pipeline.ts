import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GraphSim } from '@provision/graph-sim';
import { up } from '@provision/infra';
import { type AuditApi, clientCredentials, registerAuditApi } from './audit-api.ts';
import { withDemoEntitlements } from './entitlements.ts';
import {
  onFreePorts,
  ROOT,
  type ServiceLaunch,
  type ServiceName,
  type ServiceProcess,
  startService,
} from './processes.ts';
import { auditSchemaOf, removeRunData } from './run-data.ts';
import { LINK_FIELD, type SimulatorOptions, type Simulators, startSimulators } from './simulators.ts';

export interface PipelineOptions extends Partial<SimulatorOptions> {
  /** Isolates this run's topics, consumer groups, Redis keys and audit schema. */
  runId?: string;
  logDir?: string;
  /** Polling backstop of the ingestor (notifications drive it otherwise). */
  syncIntervalMs?: number;
  partitions?: number;
  logLevel?: string;
  /** Extra environment per service (e.g. WRITER_DRY_RUN). */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Called as each stage comes up. */
  onStep?: (message: string) => void;
  /** How long a service may take to be ready (a restarted consumer waits for the dead member's session to expire). */
  readyTimeoutMs?: number;
  /** How each service's process is launched (default: its TypeScript sources). */
  launch?: ServiceLaunch;
  /**
   * The mapping the mapper runs: the default mapping with the durable link on `EntraObjectId__c`
   * (the demo org has the field) unless `link: false`, or `env.mapper.MAPPING_FILE` when given.
   */
  link?: boolean;
  /** Shapes the tenant and the org after the simulators start and before any service does. */
  prepare?: (sims: Simulators) => Promise<void> | void;
}

export interface Pipeline {
  readonly runId: string;
  readonly sims: Simulators;
  readonly services: Record<ServiceName, ServiceProcess>;
  /** The audit service's HTTP API and dashboard. */
  readonly auditUrl: string;
  readonly ingestorUrl: string;
  readonly mapperUrl: string;
  /** The audit API signed in (helpers given `auditUrl` alone sign in the same way in this process). */
  readonly audit: AuditApi;
  /**
   * An access token for the services' APIs, from graph-sim by client credentials: the seeded
   * "Provision CLI" client holds Provision.Read and Provision.Operate.
   */
  token(): Promise<string>;
  /** How a person signs in to the dashboard (graph-sim's dev login). */
  readonly signIn: { readonly dashboardUrl: string; readonly users: GraphSim['signIn']['users'] };
  readonly logDir: string;
  /** Each service's environment as it was started: tests read the secrets they must never log. */
  readonly env: Readonly<Record<ServiceName, Readonly<Record<string, string>>>>;
  /** Stops a service (gracefully, or with SIGKILL as a crash) and starts it again with the same settings. */
  restart(name: ServiceName, signal?: 'SIGTERM' | 'SIGKILL'): Promise<ServiceProcess>;
  stopService(name: ServiceName, signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts a stopped service; with `waitForReady: false` it resolves once spawned (see `ServiceProcess.ready`). */
  startService(name: ServiceName, options?: { waitForReady?: boolean }): Promise<ServiceProcess>;
  /**
   * Stops the services and simulators, then removes the run's Kafka topics, Redis keys and audit
   * schema (unless `keepData`: to look at them afterwards).
   */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

const ORDER: ServiceName[] = ['audit', 'writer', 'mapper', 'ingestor'];

/** The default mapping with the link declared, written beside the run's logs; none without the link. */
async function mappingFile(logDir: string, link: boolean, graph: GraphSim): Promise<Record<string, string>> {
  if (!link) return {};
  const file = join(logDir, 'mapping.yaml');
  await mkdir(logDir, { recursive: true });
  const defaults = await readFile(join(ROOT, 'packages', 'mapping', 'config', 'default-mapping.yaml'), 'utf8');
  const declared = defaults.replace('# link:\n#   field: EntraObjectId__c', `link:\n  field: ${LINK_FIELD.name}`);
  if (declared === defaults) throw new Error('the default mapping no longer has the commented link block');
  await writeFile(file, withDemoEntitlements(declared, graph));
  return { MAPPING_FILE: file };
}

/**
 * The whole flow as processes: the infrastructure (the local Kafka broker, Redis, PostgreSQL — or
 * `KAFKA_BROKERS`, `REDIS_URL`, `DATABASE_URL`), both simulators, and the four services, each a
 * separate Node process with its own configuration, as they run in production.
 */
export async function startPipeline(options: PipelineOptions = {}): Promise<Pipeline> {
  const step = options.onStep ?? (() => undefined);
  const runId = options.runId ?? `run${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const logDir = options.logDir ?? join(ROOT, '.infra', 'runs', runId);
  step('infrastructure: Kafka, Redis, PostgreSQL');
  const infra = await up({ log: () => undefined });
  step('simulators: Microsoft Graph and Salesforce');
  const sims = await startSimulators({
    users: options.users ?? 1000,
    seed: options.seed ?? 1,
    existingShare: options.existingShare ?? 0.1,
    ...(options.licences === undefined ? {} : { licences: options.licences }),
  });
  const { graph, salesforce } = sims;
  await options.prepare?.(sims);
  // The mapper's mapping, and the writer's too: it refuses a command setting a field no mapping targets.
  const mapping = await mappingFile(logDir, options.link ?? true, graph);
  // Every service is told the ports before any starts: the audit reaches the others, the ingestor
  // gives Graph its own webhook address.
  const envsOn = (ports: Record<ServiceName, number>): Record<ServiceName, Record<string, string>> => {
    const common = {
      KAFKA_BROKERS: infra.KAFKA_BROKERS,
      REDIS_URL: infra.REDIS_URL,
      REDIS_PREFIX: `${runId}:`,
      TOPIC_PREFIX: `${runId}.`,
      KAFKA_PARTITIONS: String(options.partitions ?? 6),
      LOG_LEVEL: options.logLevel ?? 'info',
      NODE_EXTRA_CA_CERTS: graph.caCertPath,
      // Sign-in: graph-sim is the identity provider (tokens checked against its JWKS, as Entra's are).
      AUTH_TENANT_ID: graph.tenantId,
      AUTH_AUTHORITY_HOST: graph.authorityHost,
      AUTH_AUDIENCE: graph.signIn.apiAppId,
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
    };
    return {
      audit: {
        ...common,
        DATABASE_URL: infra.DATABASE_URL,
        DATABASE_SCHEMA: auditSchemaOf(runId),
        // The admin console reaches the mapper (guard, a user's picture, mapping) and the ingestor (provision now).
        MAPPER_URL: `http://127.0.0.1:${ports.mapper}`,
        INGESTOR_URL: `http://127.0.0.1:${ports.ingestor}`,
        // …and the writer (a user's live Salesforce record).
        WRITER_URL: `http://127.0.0.1:${ports.writer}`,
        // The writers' budget below, as the console's gauge shows it.
        SALESFORCE_API_BUDGET_PER_MINUTE: options.env?.writer?.['SALESFORCE_API_BUDGET_PER_MINUTE'] ?? '2000',
        ...options.env?.audit,
      },
      writer: {
        ...common,
        SALESFORCE_AUTH: 'password',
        SALESFORCE_LOGIN_URL: salesforce.loginUrl,
        // salesforce-sim speaks plain http here; a real org's URL must be https.
        SALESFORCE_ALLOW_INSECURE_HTTP: String(salesforce.loginUrl.startsWith('http:')),
        SALESFORCE_USERNAME: salesforce.credentials.username,
        SALESFORCE_PASSWORD: salesforce.credentials.password,
        SALESFORCE_SECURITY_TOKEN: salesforce.credentials.securityToken,
        SALESFORCE_API_BUDGET_PER_MINUTE: '2000',
        ...(options.env?.mapper?.['MAPPING_FILE'] ? { MAPPING_FILE: options.env.mapper['MAPPING_FILE'] } : mapping),
        ...options.env?.writer,
      },
      mapper: { ...common, ...mapping, ...options.env?.mapper },
      ingestor: {
        ...common,
        GRAPH_BASE_URL: graph.url,
        GRAPH_AUTHORITY_HOST: graph.authorityHost,
        GRAPH_TENANT_ID: graph.tenantId,
        GRAPH_CLIENT_ID: graph.clientId,
        GRAPH_CLIENT_SECRET: graph.clientSecret,
        GRAPH_SERVICE_PRINCIPAL_ID: graph.servicePrincipalId,
        SYNC_INTERVAL_MS: String(options.syncIntervalMs ?? 10_000),
        WEBHOOK_PUBLIC_URL: `http://127.0.0.1:${ports.ingestor}`,
        WEBHOOK_CLIENT_STATE: randomBytes(24).toString('base64url'),
        ...options.env?.ingestor,
      },
    };
  };
  let ports = {} as Record<ServiceName, number>;
  let envs = {} as Record<ServiceName, Record<string, string>>;
  const services = {} as Record<ServiceName, ServiceProcess>;
  const start = async (name: ServiceName, startOptions: { waitForReady?: boolean } = {}) => {
    services[name] = await startService(name, envs[name], {
      logDir,
      launch: options.launch,
      port: ports[name],
      timeoutMs: options.readyTimeoutMs ?? 120_000,
      ...startOptions,
    });
    return services[name];
  };
  try {
    // The ports are picked before the services bind them: when another process took one in between,
    // that service exits with EADDRINUSE, and all start again on new ports.
    await onFreePorts(ORDER.length, async (picked) => {
      ports = Object.fromEntries(ORDER.map((n, i) => [n, picked[i] as number])) as Record<ServiceName, number>;
      envs = envsOn(ports);
      // The dashboard signs in as an SPA: its address is a redirect URI of the Provision app.
      for (const host of ['127.0.0.1', 'localhost']) graph.identity.addRedirectUri(`http://${host}:${ports.audit}/`);
      try {
        for (const name of ORDER) {
          step(`service: ${name}`);
          await start(name);
        }
      } catch (error) {
        await Promise.allSettled(Object.values(services).map((s) => s.stop()));
        for (const name of ORDER) delete services[name];
        throw error;
      }
    });
  } catch (error) {
    await sims.close();
    throw error;
  }
  const auditUrl = `http://127.0.0.1:${ports.audit}`;
  const token = clientCredentials({
    tokenEndpoint: `${graph.authorityHost}/${graph.tenantId}/oauth2/v2.0/token`,
    clientId: graph.signIn.client.clientId,
    clientSecret: graph.signIn.client.clientSecret,
    scope: graph.signIn.defaultScope,
  });
  const audit: AuditApi = { url: auditUrl, token };
  const unregister = registerAuditApi(audit);
  return {
    runId,
    sims,
    services,
    auditUrl,
    ingestorUrl: `http://127.0.0.1:${ports.ingestor}`,
    mapperUrl: `http://127.0.0.1:${ports.mapper}`,
    audit,
    token,
    signIn: { dashboardUrl: `${auditUrl}/`, users: graph.signIn.users },
    logDir,
    env: envs,
    startService: start,
    async stopService(name, signal = 'SIGTERM') {
      await services[name].stop(signal);
    },
    async restart(name, signal = 'SIGTERM') {
      await services[name].stop(signal);
      return start(name);
    },
    async stop(stopOptions = {}) {
      // Upstream first, so nothing new flows into a stage that is stopping.
      for (const name of [...ORDER].reverse()) await services[name].stop().catch(() => undefined);
      unregister();
      await sims.close();
      if (!stopOptions.keepData) await removeRunData(runId, infra);
    },
  };
}
