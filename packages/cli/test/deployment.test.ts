import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SALESFORCE_PROFILES, startGraphSim } from '@provision/graph-sim';
import { parseMappingConfig } from '@provision/mapping';
import { startSalesforceSim } from '@provision/salesforce-sim';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { runInProcess } from './run-cli.ts';

// No Docker engine runs here: these tests check what can be checked without one — the files parse,
// every variable a deployment sets is one the service reads, and every variable a service requires
// is set, by running each service's own readConfig on the deployment's environment.

const ROOT = new URL('../../../', import.meta.url).pathname;
const SERVICES = ['ingestor', 'mapper', 'writer', 'audit'] as const;
type Service = (typeof SERVICES)[number];
type Env = Record<string, string>;
// biome-ignore lint/suspicious/noExplicitAny: parsed manifests are walked by path; the assertions check their shape.
type Doc = Record<string, any>;

/** Read by Node or the image, not by a service's config.ts. */
const RUNTIME = new Set(['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS']);

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

type ReadConfig = (env: Env) => Record<string, unknown>;

async function readConfigOf(service: Service): Promise<ReadConfig> {
  const module = (await import(join(ROOT, `services/${service}/src/config.ts`))) as { readConfig: ReadConfig };
  return module.readConfig;
}

/**
 * Whether a service reads a variable, asked of its own readConfig (the schema is not exported, and
 * is partly spread from @provision/config): the schema keeps a variable it declares, or refuses a
 * value for it naming it, and silently drops one it does not declare.
 */
async function reads(service: Service, name: string, validEnv: Env): Promise<boolean> {
  const readConfig = await readConfigOf(service);
  try {
    return name in readConfig({ ...validEnv, [name]: 'probe' });
  } catch (error) {
    const problems = (error as { details?: { problems?: { variable: string }[] } }).details?.problems ?? [];
    return problems.some((p) => p.variable === name);
  }
}

/** Every variable a service reads: the upper-case names in its config and the shared config, confirmed by `reads`. */
async function schemaVariables(service: Service, validEnv: Env): Promise<string[]> {
  const sources = [
    read(`services/${service}/src/config.ts`),
    ...readdirSync(join(ROOT, 'packages/config/src'))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => read(`packages/config/src/${f}`)),
  ];
  const names = new Set(
    sources.flatMap((text) => [...text.matchAll(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/g)].map((m) => m[0])),
  );
  const known: string[] = [];
  for (const name of names) if (await reads(service, name, validEnv)) known.push(name);
  return known;
}

/** Names a deployment sets that neither the service nor Node reads (a typo, a stale variable). */
async function unknownVariables(service: Service, env: Env): Promise<string[]> {
  const unknown: string[] = [];
  for (const name of Object.keys(env)) {
    if (!RUNTIME.has(name) && !(await reads(service, name, env))) unknown.push(name);
  }
  return unknown;
}

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, $$. */
function interpolate(value: string, env: Env): string {
  return value.replace(
    /\$\$|\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}/g,
    (match, name?: string, op?: string, arg = '') => {
      if (match === '$$') return '$';
      const v = env[name!];
      if (op === ':-') return v ? v : arg;
      if (op === '-') return v ?? arg;
      if (op === ':?' && !v) throw new Error(`${name}: ${arg}`);
      return v ?? '';
    },
  );
}

/** What `.env` must hold even for the sandbox: the one secret without a public default. */
const SANDBOX_DOTENV: Env = { WEBHOOK_CLIENT_STATE: 'a-random-secret-from-dotenv-0123456789' };

function stringEnv(raw: Record<string, unknown>, env: Env = SANDBOX_DOTENV): Env {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, interpolate(String(v ?? ''), env)]));
}

describe('docker-compose.yml', () => {
  const compose = parseYaml(read('docker-compose.yml'), { merge: true }) as Doc;
  const services = compose['services'] as Record<string, Doc>;

  it('parses and runs Kafka 4 (KRaft), Redis, PostgreSQL and the four services', () => {
    // The Kafka the project's own infrastructure runs and tests against.
    const version = /KAFKA_VERSION = '([\d.]+)'/.exec(read('tools/infra/src/settings.ts'))?.[1];
    expect(version).toMatch(/^4\./);
    expect(services['kafka']?.['image']).toBe(`apache/kafka:${version}`);
    expect(services['kafka']?.['environment']?.['KAFKA_PROCESS_ROLES']).toBe('broker,controller');
    expect(services['redis']?.['image']).toMatch(/^redis:/);
    expect(services['postgres']?.['image']).toMatch(/^postgres:/);
    for (const service of SERVICES) {
      expect(services[service]?.['command']).toEqual([service]);
      expect(services[service]?.['profiles']).toBeUndefined();
    }
    expect(services['graph-sim']?.['profiles']).toEqual(['sandbox']);
    expect(services['salesforce-sim']?.['profiles']).toEqual(['sandbox']);
  });

  it.each(SERVICES)('sets only variables %s reads, and everything it requires (sandbox defaults)', async (service) => {
    const env = stringEnv(services[service]?.['environment'] ?? {});
    const readConfig = await readConfigOf(service);
    expect(() => readConfig(env)).not.toThrow();
    expect(await unknownVariables(service, env)).toEqual([]);
  });

  it('publishes every host port on 127.0.0.1 only', () => {
    const published = Object.entries(services).flatMap(([name, service]) =>
      ((service['ports'] ?? []) as unknown[]).map((port) => [name, String(port)] as const),
    );
    // graph-sim (sandbox profile only) for the browser's sign-in to the dashboard.
    expect(published.map(([name]) => name).sort()).toEqual(['audit', 'graph-sim', 'ingestor', 'mapper']);
    for (const [name, port] of published) expect(port, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('has no public default for the webhook clientState: without one in .env, compose refuses to start', () => {
    const raw = String(services['ingestor']?.['environment']?.['WEBHOOK_CLIENT_STATE']);
    expect(() => interpolate(raw, {})).toThrow(/WEBHOOK_CLIENT_STATE: set WEBHOOK_CLIENT_STATE/);
    expect(interpolate(raw, SANDBOX_DOTENV)).toBe(SANDBOX_DOTENV['WEBHOOK_CLIENT_STATE']);
    expect(read('docker-compose.yml')).not.toMatch(/WEBHOOK_CLIENT_STATE:-/);
  });

  it('with a real tenant’s .env, the services point at it and need nothing else', async () => {
    const dotenv: Env = {
      ...SANDBOX_DOTENV,
      GRAPH_BASE_URL: 'https://graph.microsoft.com',
      GRAPH_AUTHORITY_HOST: 'https://login.microsoftonline.com',
      GRAPH_TENANT_ID: 'tenant',
      GRAPH_CLIENT_ID: 'client',
      GRAPH_CLIENT_SECRET: 'secret',
      GRAPH_SERVICE_PRINCIPAL_ID: 'sp',
      NODE_EXTRA_CA_CERTS: '',
      WEBHOOK_PUBLIC_URL: '',
      SALESFORCE_AUTH: 'jwt',
      SALESFORCE_LOGIN_URL: 'https://acme.my.salesforce.com',
      SALESFORCE_USERNAME: 'provisioning@acme.com',
      SALESFORCE_CLIENT_ID: '3MVG9',
      SALESFORCE_PRIVATE_KEY_FILE: '/run/secrets/salesforce.key',
      SALESFORCE_PASSWORD: '',
      SALESFORCE_SECURITY_TOKEN: '',
      SALESFORCE_ALLOW_INSECURE_HTTP: '',
    };
    const ingestor = stringEnv(services['ingestor']?.['environment'], dotenv);
    expect(ingestor).toMatchObject({ GRAPH_BASE_URL: 'https://graph.microsoft.com', NODE_EXTRA_CA_CERTS: '' });
    expect((await readConfigOf('ingestor'))(ingestor)).toMatchObject({ GRAPH_TENANT_ID: 'tenant' });
    const writer = stringEnv(services['writer']?.['environment'], dotenv);
    // An empty secret in .env turns the sandbox's default off rather than falling back to it.
    expect(writer).toMatchObject({ SALESFORCE_PASSWORD: '', SALESFORCE_SECURITY_TOKEN: '' });
    expect((await readConfigOf('writer'))(writer)).toMatchObject({
      SALESFORCE_AUTH: 'jwt',
      SALESFORCE_ALLOW_INSECURE_HTTP: false,
    });
    // A slip to http: is then refused, naming the variable.
    await expect(
      readConfigOf('writer').then((read) => read({ ...writer, SALESFORCE_LOGIN_URL: 'http://acme.test' })),
    ).rejects.toThrow(/SALESFORCE_LOGIN_URL: must be https:/);
  });

  it('sandbox: the Graph defaults are graph-sim’s seed-1 tenant, and its roles are all profiles of the org', async () => {
    const graph = await startGraphSim({ users: 0, seed: 1, trustInProcess: false });
    try {
      const env = stringEnv(services['ingestor']?.['environment'] ?? {});
      expect(env).toMatchObject({
        GRAPH_TENANT_ID: graph.tenantId,
        GRAPH_CLIENT_ID: graph.clientId,
        GRAPH_SERVICE_PRINCIPAL_ID: graph.servicePrincipalId,
      });
      expect(stringEnv(services['roles-import']?.['environment'] ?? {})['GRAPH_APPLICATION_ID']).toBe(
        graph.applicationId,
      );
    } finally {
      await graph.close();
    }
    expect(services['graph-sim']?.['command']).toContain('--seed=1');
    expect(services['graph-sim']?.['command']).toContain('--client-secret=sandbox-graph-client-secret');
    const org = JSON.parse(compose['configs']['salesforce-org']['content']) as { profiles: { name: string }[] };
    const profiles = org.profiles.map((p) => p.name);
    for (const role of SALESFORCE_PROFILES) expect(profiles).toContain(role);
  });

  it('sandbox: the writer’s default credentials log in to the simulated org', async () => {
    const org = JSON.parse(compose['configs']['salesforce-org']['content']);
    const salesforce = await startSalesforceSim({ org });
    try {
      const writer = stringEnv(services['writer']?.['environment'] ?? {});
      const r = await runInProcess(['salesforce', 'test-connection', '--json'], {
        ...writer,
        SALESFORCE_LOGIN_URL: salesforce.loginUrl,
      });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true });
    } finally {
      await salesforce.close();
    }
  });
});

describe('k8s/', () => {
  const files = readdirSync(join(ROOT, 'k8s')).filter((f) => f.endsWith('.yaml'));
  const docsOf = (file: string): Doc[] => {
    const parsed = parseAllDocuments(read(`k8s/${file}`));
    for (const d of parsed) expect(d.errors, file).toEqual([]);
    return parsed.map((d) => d.toJS() as Doc).filter((d) => d !== null);
  };
  const all = files.flatMap((file) => docsOf(file).map((doc) => ({ file, doc })));
  const ofKind = (kind: string) => all.filter((d) => d.doc['kind'] === kind).map((d) => d.doc);
  const named = (kind: string, name: string) => ofKind(kind).find((d) => d['metadata']['name'] === name);
  const kustomization = docsOf('kustomization.yaml')[0]!;

  it('kustomization.yaml lists every manifest but the examples', () => {
    const listed = [...(kustomization['resources'] as string[])].sort();
    const manifests = files.filter((f) => f !== 'kustomization.yaml' && !f.includes('.example.')).sort();
    expect(listed).toEqual(manifests);
  });

  it.each(SERVICES)(
    '%s: a Deployment whose environment sets only what it reads and all it requires',
    async (service) => {
      const deployment = named('Deployment', `provision-${service}`);
      expect(deployment).toBeDefined();
      const container = deployment!['spec']['template']['spec']['containers'][0];
      expect(container['args']).toEqual([service]);
      const env: Env = {};
      for (const source of container['envFrom'] as Doc[]) {
        const ref = source['configMapRef'] ?? source['secretRef'];
        const doc = named(source['configMapRef'] ? 'ConfigMap' : 'Secret', ref['name']);
        expect(doc, `${service}: ${ref['name']}`).toBeDefined();
        Object.assign(env, stringEnv(doc!['data'] ?? doc!['stringData'] ?? {}));
      }
      const readConfig = await readConfigOf(service);
      expect(() => readConfig(env)).not.toThrow();
      expect(await unknownVariables(service, env)).toEqual([]);
    },
  );

  it.each(SERVICES)(
    '%s: probes on /healthz and /readyz, 256Mi memory limit, non-root, a Service and a PDB',
    (service) => {
      const spec = named('Deployment', `provision-${service}`)!['spec']['template']['spec'];
      const container = spec['containers'][0];
      expect(container['livenessProbe']['httpGet']['path']).toBe('/healthz');
      expect(container['readinessProbe']['httpGet']['path']).toBe('/readyz');
      expect(container['resources']['limits']['memory']).toBe('256Mi');
      expect(container['resources']['requests']).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      expect(spec['securityContext']['runAsNonRoot']).toBe(true);
      expect(container['securityContext']['allowPrivilegeEscalation']).toBe(false);
      expect(named('Service', `provision-${service}`)).toBeDefined();
      expect(named('PodDisruptionBudget', `provision-${service}`)).toBeDefined();
    },
  );

  describe('NetworkPolicies', () => {
    const policies = ofKind('NetworkPolicy');
    const labelsOf = (deployment: Doc): Record<string, string> => deployment['spec']['template']['metadata']['labels'];
    const selects = (selector: Doc, labels: Record<string, string>): boolean =>
      Object.entries((selector['matchLabels'] ?? {}) as Record<string, string>).every(([k, v]) => labels[k] === v) &&
      ((selector['matchExpressions'] ?? []) as Doc[]).every((e) =>
        e['operator'] === 'In' ? (e['values'] as string[]).includes(labels[e['key']] ?? '') : false,
      );
    const policiesOf = (deployment: Doc, type: 'Ingress' | 'Egress') =>
      policies.filter(
        (p) =>
          (p['spec']['policyTypes'] as string[]).includes(type) &&
          selects(p['spec']['podSelector'], labelsOf(deployment)),
      );

    it('deny all ingress and egress in the namespace by default (and the four Deployments are all there is)', () => {
      expect(
        ofKind('Deployment')
          .map((d) => d['metadata']['name'])
          .sort(),
      ).toEqual(SERVICES.map((s) => `provision-${s}`).sort());
      const deny = policies.filter((p) => Object.keys(p['spec']['podSelector']).length === 0 && !p['spec']['ingress']);
      expect(deny.some((p) => p['spec']['policyTypes'].includes('Ingress'))).toBe(true);
      expect(deny.some((p) => p['spec']['policyTypes'].includes('Egress') && !p['spec']['egress'])).toBe(true);
    });

    it.each(SERVICES)('%s is selected by a policy that lets in only its HTTP port, from named peers', (service) => {
      const deployment = named('Deployment', `provision-${service}`)!;
      const rules = policiesOf(deployment, 'Ingress').flatMap((p) => (p['spec']['ingress'] ?? []) as Doc[]);
      expect(rules.length).toBeGreaterThan(0);
      const port = deployment['spec']['template']['spec']['containers'][0]['ports'][0]['containerPort'];
      for (const rule of rules) {
        expect(rule['ports']).toEqual([{ protocol: 'TCP', port }]);
        // Never "from anywhere": every rule names its peers.
        expect(rule['from']?.length).toBeGreaterThan(0);
        for (const peer of rule['from'] as Doc[]) expect(peer['ipBlock']).toBeUndefined();
      }
      const from = rules.flatMap((r) => r['from'] as Doc[]);
      const namespaces = from.map((p) => p['namespaceSelector']?.['matchLabels']?.['kubernetes.io/metadata.name']);
      expect(namespaces).toContain('monitoring');
      if (service === 'ingestor' || service === 'audit') expect(namespaces).toContain('ingress-nginx');
      else expect(namespaces).not.toContain('ingress-nginx');
    });

    it.each(SERVICES)('%s may reach DNS, Kafka and Redis, and outside HTTPS only where it needs it', (service) => {
      const deployment = named('Deployment', `provision-${service}`)!;
      const egress = policiesOf(deployment, 'Egress').flatMap((p) => (p['spec']['egress'] ?? []) as Doc[]);
      const ports = (rule: Doc) => (rule['ports'] as Doc[]).map((p) => p['port']);
      const toNamespace = (name: string) =>
        egress.filter((r) =>
          (r['to'] as Doc[]).some(
            (t) => t['namespaceSelector']?.['matchLabels']?.['kubernetes.io/metadata.name'] === name,
          ),
        );
      expect(toNamespace('kube-system').flatMap(ports)).toContain(53);
      expect(toNamespace('kafka').flatMap(ports)).toContain(9092);
      expect(toNamespace('redis').flatMap(ports)).toContain(6379);
      expect(toNamespace('postgres').flatMap(ports)).toEqual(service === 'audit' ? [5432] : []);
      const outside = egress.filter((r) => (r['to'] as Doc[]).some((t) => t['ipBlock']));
      for (const rule of outside) {
        // Public addresses only: never the cluster's or the cloud metadata service's.
        for (const t of rule['to'] as Doc[])
          expect(t['ipBlock']['except']).toEqual(expect.arrayContaining(['10.0.0.0/8', '169.254.0.0/16']));
      }
      expect(outside.flatMap(ports)).toContain(443);
      expect(outside.flatMap(ports).filter((p) => p !== 443)).toEqual(service === 'audit' ? [587, 465] : []);
    });
  });

  it('autoscales the writer and the mapper on CPU, never past the partition count', () => {
    const partitions = Number(named('ConfigMap', 'provision-common')!['data']['KAFKA_PARTITIONS']);
    for (const service of ['writer', 'mapper']) {
      const hpa = named('HorizontalPodAutoscaler', `provision-${service}`);
      expect(hpa!['spec']['scaleTargetRef']).toMatchObject({ kind: 'Deployment', name: `provision-${service}` });
      expect(hpa!['spec']['maxReplicas']).toBeLessThanOrEqual(partitions);
      expect(hpa!['spec']['metrics'][0]['resource']['name']).toBe('cpu');
      // The HPA owns the count; a replicas field would be reset on every apply.
      expect(named('Deployment', `provision-${service}`)!['spec']['replicas']).toBeUndefined();
    }
    const keda = named('ScaledObject', 'provision-writer');
    expect(keda!['spec']['maxReplicaCount']).toBeLessThanOrEqual(partitions);
    // One trigger per lane of commands, each with the writer's group of that lane.
    expect(keda!['spec']['triggers']).toMatchObject([
      { type: 'kafka', metadata: { topic: 'provisioning.commands.v1', consumerGroup: 'provision-writer' } },
      { type: 'kafka', metadata: { topic: 'provisioning.commands.live.v1', consumerGroup: 'provision-writer.live' } },
    ]);
  });

  it('mounts a valid mapping where MAPPING_FILE points', () => {
    const mapping = named('ConfigMap', 'provision-mapping')!['data']['mapping.yaml'];
    const parsed = parseMappingConfig(mapping);
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    const file = named('ConfigMap', 'provision-mapper')!['data']['MAPPING_FILE'];
    const mount = named('Deployment', 'provision-mapper')!['spec']['template']['spec']['containers'][0][
      'volumeMounts'
    ].find((m: Doc) => m['name'] === 'mapping');
    expect(file).toBe(`${mount['mountPath']}/mapping.yaml`);
  });

  it('keeps the Salesforce and Graph secrets in Secrets, not ConfigMaps', () => {
    const secretNames = [
      'GRAPH_CLIENT_SECRET',
      'WEBHOOK_CLIENT_STATE',
      'SALESFORCE_PASSWORD',
      'SALESFORCE_SECURITY_TOKEN',
      'SALESFORCE_CLIENT_SECRET',
      'DATABASE_URL',
      'SMTP_URL',
    ];
    for (const configMap of ofKind('ConfigMap')) {
      expect(Object.keys(configMap['data']).filter((k) => secretNames.includes(k))).toEqual([]);
    }
    const secrets = ofKind('Secret').flatMap((s) => Object.keys(s['stringData']));
    for (const name of secretNames) expect(secrets).toContain(name);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('builds on node:24-slim with the project’s pnpm, bundles from the lockfile’s production dependencies, runs as non-root', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-slim$/m);
    const packageManager = JSON.parse(read('package.json'))['packageManager'] as string;
    expect(dockerfile).toContain(`npm install --global --no-audit --no-fund --loglevel=error ${packageManager}`);
    expect(dockerfile).toMatch(/pnpm install --frozen-lockfile --prod/);
    expect(dockerfile).toMatch(/^USER node$/m);
    // Only the production dependencies of what the image runs (never the test kit's vitest), bundled.
    for (const name of [...SERVICES, 'cli', 'graph-sim', 'salesforce-sim']) {
      expect(dockerfile).toContain(`--filter "@provision/${name}..."`);
    }
    expect(dockerfile).toMatch(/tools\/containers\/src\/cli\.ts bundle --out \/app/);
    expect(dockerfile).toContain('COPY tools/containers/image/entrypoint.sh /usr/local/bin/provision-entrypoint');
  });

  it('its entrypoint refuses to start without a service, naming the choices', () => {
    const script = read('tools/containers/image/entrypoint.sh');
    const path = join(mkdtempSync(join(tmpdir(), 'provision-entrypoint-')), 'entrypoint.sh');
    writeFileSync(path, script);
    const none = spawnSync('sh', [path], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('set SERVICE (ingestor, mapper, writer or audit)');
    const unknown = spawnSync('sh', [path], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', SERVICE: 'mailer' },
    });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown service 'mailer'");
  });

  it('.dockerignore keeps node_modules, the toolchain, git and tests out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['**/node_modules', '.toolchain', '.git', '**/*.test.ts']) expect(ignored).toContain(entry);
  });
});

describe('docs/operations.md', () => {
  const compose = parseYaml(read('docker-compose.yml'), { merge: true }) as Doc;

  it.each(SERVICES)('documents every variable %s reads', async (service) => {
    const validEnv = stringEnv(compose['services'][service]['environment']);
    const variables = await schemaVariables(service, validEnv);
    expect(variables).toEqual(expect.arrayContaining(['KAFKA_BROKERS', 'LOG_LEVEL', 'HTTP_PORT']));
    const doc = read('docs/operations.md');
    expect(variables.filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });

  it.each(SERVICES)('states the defaults %s really has', async (service) => {
    const doc = read('docs/operations.md');
    const section = doc.split(/^### /m).find((s) => s.startsWith(`${service} `)) ?? '';
    const rows = [...section.matchAll(/^\| `([A-Z0-9_]+)`\s*\| `([^`]*)`\s*\|/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(rows.length).toBeGreaterThan(0);
    const { [service]: definition } = compose['services'];
    const readConfig = await readConfigOf(service);
    for (const [name, documented] of rows) {
      const { [name]: _set, ...env } = stringEnv(definition['environment']);
      expect(String(readConfig(env)[name]), name).toBe(documented);
    }
  });
});
