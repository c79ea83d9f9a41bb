import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { K8S_DIR, type KubeObject, type Rendered, readObjects, renderKustomization } from './k8s/kustomize.ts';
import { validateObject } from './k8s/schema.ts';

// The manifests users apply (`kubectl apply -k k8s` and `-k k8s/monitoring`), rendered as kustomize
// renders them and checked against the Kubernetes and Prometheus-operator schemas, then against
// each other (selectors, references) and against the code (the metric names the queries use).
const ROOT = join(K8S_DIR, '..');
const base = renderKustomization(K8S_DIR, ROOT);
const monitoring = renderKustomization(join(K8S_DIR, 'monitoring'), ROOT);
// Files users apply by hand (placeholders and add-ons), validated the same way.
const examples = ['secrets.example.yaml', 'keda-writer.example.yaml'].flatMap((f) =>
  readObjects(join(K8S_DIR, f), ROOT),
);
const all: Rendered[] = [...monitoring, ...examples];
const objects = (kind: string, from: readonly Rendered[] = monitoring) =>
  from.filter((r) => r.object.kind === kind).map((r) => r.object);
const named = (kind: string, name: string) => objects(kind).find((o) => o.metadata.name === name);

describe('rendering k8s/ with kustomize semantics', () => {
  it('renders every object of every listed file, in the namespace, labelled, with the image set', () => {
    const kinds = base.map((r) => r.object.kind);
    for (const kind of ['Namespace', 'ConfigMap', 'Deployment', 'Service', 'PodDisruptionBudget', 'NetworkPolicy']) {
      expect(kinds).toContain(kind);
    }
    for (const { object } of base) {
      expect(object.metadata.labels?.['app.kubernetes.io/part-of'], object.metadata.name).toBe('provision');
      if (object.kind !== 'Namespace') expect(object.metadata.namespace, object.metadata.name).toBe('provision');
    }
    for (const d of objects('Deployment', base)) {
      for (const c of podSpec(d).containers) expect(c.image).toBe('ghcr.io/example/provision:0.1.0');
    }
    // The monitoring overlay is the base plus its own three objects, in the same namespace.
    expect(monitoring.length).toBe(base.length + 3);
    for (const { object } of monitoring) {
      if (object.kind !== 'Namespace') expect(object.metadata.namespace, object.metadata.name).toBe('provision');
      expect(object.metadata.labels?.['app.kubernetes.io/part-of'], object.metadata.name).toBe('provision');
    }
  });

  it('refuses a kustomization field it does not implement, naming it and the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kustomize-'));
    try {
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\npatches:\n  - path: x.yaml\n',
      );
      expect(() => renderKustomization(dir)).toThrow(/kustomization field "patches" is not supported/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('every object against its OpenAPI schema', () => {
  it.each(all.map((r) => [`${r.source} ${r.object.kind}/${r.object.metadata.name}`, r.object] as const))(
    '%s',
    async (_name, object) => {
      expect(await validateObject(object)).toEqual([]);
    },
  );

  it('the validator catches a wrong type, a missing required field and an unknown field', async () => {
    const deployment = structuredClone(named('Deployment', 'provision-ingestor')!);
    const spec = deployment['spec'] as Record<string, unknown>;
    spec['replica'] = 2;
    podSpec(deployment).containers[0]!.ports = [{ containerPort: 'http' }];
    delete spec['selector'];
    const problems = (await validateObject(deployment)).join('\n');
    expect(problems).toMatch(/containerPort must be integer/);
    expect(problems).toMatch(/data\/spec must have required property.*selector/);
    expect(problems).toMatch(/\/spec\/replica: unknown field/);
    const rule = structuredClone(named('PrometheusRule', 'provision')!);
    (rule['spec'] as { groups: { rules: Record<string, unknown>[] }[] }).groups[0]!.rules[0]!['for'] = 'ten minutes';
    expect((await validateObject(rule)).join('\n')).toMatch(/for must match pattern/);
    expect(await validateObject({ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 'x' } })).toEqual([
      'no schema known for apiVersion example.com/v1',
    ]);
  });
});

describe('replicas and disruptions', () => {
  it('runs every service on two replicas or more, with rolling updates and a disruption budget', () => {
    const hpas = objects('HorizontalPodAutoscaler');
    for (const d of objects('Deployment')) {
      const spec = d['spec'] as { replicas?: number; strategy?: { type?: string } };
      const hpa = hpas.find(
        (h) => (h['spec'] as { scaleTargetRef: { name: string } }).scaleTargetRef.name === d.metadata.name,
      );
      const min = hpa ? (hpa['spec'] as { minReplicas: number }).minReplicas : spec.replicas;
      expect(min, `${d.metadata.name}: replicas (or the HPA's minReplicas)`).toBeGreaterThanOrEqual(2);
      if (hpa) expect(spec.replicas, `${d.metadata.name}: the HPA owns the count`).toBeUndefined();
      expect(spec.strategy?.type ?? 'RollingUpdate', d.metadata.name).toBe('RollingUpdate');
      const pdb = objects('PodDisruptionBudget').find((p) => selects(p['spec'], podLabels(d)));
      expect(pdb, `${d.metadata.name}: a PodDisruptionBudget`).toBeDefined();
    }
    expect((named('Deployment', 'provision-ingestor')!['spec'] as { replicas: number }).replicas).toBe(2);
  });

  it('keeps autoscalers within the partitions (an extra consumer would sit idle)', () => {
    const partitions = Number(configValue('provision-common', 'KAFKA_PARTITIONS'));
    for (const hpa of objects('HorizontalPodAutoscaler')) {
      expect((hpa['spec'] as { maxReplicas: number }).maxReplicas).toBeLessThanOrEqual(partitions);
    }
    for (const scaled of objects('ScaledObject', examples)) {
      const spec = scaled['spec'] as {
        minReplicaCount: number;
        maxReplicaCount: number;
        scaleTargetRef: { name: string };
      };
      expect(spec.maxReplicaCount).toBeLessThanOrEqual(partitions);
      expect(spec.minReplicaCount).toBeGreaterThanOrEqual(2);
      expect(named('Deployment', spec.scaleTargetRef.name), 'the KEDA target').toBeDefined();
    }
  });

  it('gives the ingestor a lease TTL its renewals fit in twice, as the service requires', () => {
    const ttl = Number(configValue('provision-ingestor', 'LEADER_LEASE_TTL_MS'));
    const interval = Number(configValue('provision-ingestor', 'LEADER_RENEW_INTERVAL_MS'));
    expect(interval * 2).toBeLessThan(ttl);
  });
});

describe('references between objects', () => {
  it('every Service, PodDisruptionBudget and NetworkPolicy selects pods that exist', () => {
    // The admin CLI's pod is run by hand with its label (network-policies.yaml says how).
    const pods = [...objects('Deployment').map(podLabels), { 'app.kubernetes.io/name': 'provision-cli' }];
    for (const s of objects('Service')) {
      const selector = (s['spec'] as { selector: Record<string, string> }).selector;
      expect(
        pods.some((labels) => matches(selector, labels)),
        `Service ${s.metadata.name}`,
      ).toBe(true);
    }
    for (const p of objects('PodDisruptionBudget')) {
      expect(
        pods.some((labels) => selects(p['spec'], labels)),
        `PDB ${p.metadata.name}`,
      ).toBe(true);
    }
    for (const n of objects('NetworkPolicy')) {
      const selector = (n['spec'] as { podSelector: { matchLabels?: Record<string, string> } }).podSelector;
      if (!selector.matchLabels) continue; // {} selects every pod of the namespace
      expect(
        pods.some((labels) => matches(selector.matchLabels!, labels)),
        `NetworkPolicy ${n.metadata.name}`,
      ).toBe(true);
    }
  });

  it('every ConfigMap, Secret, Service and Deployment an object names is defined', () => {
    const configMaps = new Set(objects('ConfigMap').map((o) => o.metadata.name));
    const secrets = new Set(objects('Secret', examples).map((o) => o.metadata.name));
    const services = new Map(objects('Service').map((o) => [o.metadata.name, o]));
    for (const d of objects('Deployment')) {
      const pod = podSpec(d);
      for (const c of pod.containers) {
        for (const from of c.envFrom ?? []) {
          if (from.configMapRef) expect(configMaps, `${d.metadata.name} envFrom`).toContain(from.configMapRef.name);
          if (from.secretRef) expect(secrets, `${d.metadata.name} envFrom`).toContain(from.secretRef.name);
        }
        for (const env of c.env ?? []) {
          const ref = env.valueFrom?.secretKeyRef;
          if (ref && !ref.optional) expect(secrets, `${d.metadata.name} env ${env.name}`).toContain(ref.name);
        }
      }
      for (const v of pod.volumes ?? []) {
        if (v.configMap && !v.configMap.optional)
          expect(configMaps, `${d.metadata.name} volume`).toContain(v.configMap.name);
        if (v.secret && !v.secret.optional) expect(secrets, `${d.metadata.name} volume`).toContain(v.secret.secretName);
      }
    }
    for (const ing of objects('Ingress')) {
      const spec = ing['spec'] as IngressSpec;
      expect(spec.tls?.length, `Ingress ${ing.metadata.name} has TLS`).toBeGreaterThan(0);
      for (const rule of spec.rules) {
        expect(
          spec.tls!.some((t) => t.hosts.includes(rule.host)),
          `${rule.host} covered by TLS`,
        ).toBe(true);
        for (const path of rule.http.paths) {
          const service = services.get(path.backend.service.name);
          expect(service, `Ingress ${ing.metadata.name} backend`).toBeDefined();
          const ports = (service!['spec'] as { ports: { name: string }[] }).ports.map((p) => p.name);
          expect(ports).toContain(path.backend.service.port.name);
        }
      }
    }
    for (const hpa of objects('HorizontalPodAutoscaler')) {
      const target = (hpa['spec'] as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
      expect(named(target.kind, target.name), `HPA ${hpa.metadata.name}`).toBeDefined();
    }
  });

  it('a service URL in a ConfigMap names a Service, and the network policies let the caller through', () => {
    const policies = objects('NetworkPolicy').map((n) => n['spec'] as PolicySpec);
    const labelsOf = (name: string) => podLabels(named('Deployment', name)!);
    for (const [configMap, caller] of [['provision-audit', 'provision-audit']] as const) {
      const data = named('ConfigMap', configMap)!['data'] as Record<string, string>;
      for (const [key, value] of Object.entries(data)) {
        const url = /^http:\/\/(provision-[a-z]+)(?::\d+)?\/?$/.exec(value);
        if (!url) continue;
        const service = named('Service', url[1]!);
        expect(service, `${configMap} ${key}`).toBeDefined();
        const target = objects('Deployment').find((d) =>
          matches((service!['spec'] as { selector: Record<string, string> }).selector, podLabels(d)),
        )!;
        const from = labelsOf(caller);
        const to = podLabels(target);
        const allows = (rules: PolicyPeer[][] | undefined, peerLabels: Record<string, string>) =>
          (rules ?? []).some((peers) =>
            peers.some(
              (p) => !p.namespaceSelector && p.podSelector && matches(p.podSelector.matchLabels ?? {}, peerLabels),
            ),
          );
        const egress = policies.some(
          (p) =>
            matches(p.podSelector.matchLabels ?? {}, from) &&
            allows(
              p.egress?.map((r) => r.to ?? []),
              to,
            ),
        );
        const ingress = policies.some(
          (p) =>
            matches(p.podSelector.matchLabels ?? {}, to) &&
            allows(
              p.ingress?.map((r) => r.from ?? []),
              from,
            ),
        );
        expect({ key, egress, ingress }).toEqual({ key, egress: true, ingress: true });
      }
    }
  });

  it('the audit shows the budget the writers spend', () => {
    expect(configValue('provision-audit', 'SALESFORCE_API_BUDGET_PER_MINUTE')).toBe(
      configValue('provision-writer', 'SALESFORCE_API_BUDGET_PER_MINUTE'),
    );
  });

  it('the ServiceMonitor scrapes every Service on its http port', () => {
    const monitor = named('ServiceMonitor', 'provision')!;
    const spec = monitor['spec'] as {
      selector: { matchLabels: Record<string, string> };
      endpoints: { port: string }[];
    };
    for (const s of objects('Service')) {
      expect(matches(spec.selector.matchLabels, s.metadata.labels ?? {}), `Service ${s.metadata.name}`).toBe(true);
      const ports = (s['spec'] as { ports: { name: string }[] }).ports.map((p) => p.name);
      for (const e of spec.endpoints) expect(ports).toContain(e.port);
    }
  });
});

describe('queries use metric names the code exports', () => {
  const exported = exportedMetrics();

  it('finds the services’ metrics in the code (the check below is not vacuous)', () => {
    for (const name of [
      'ingestor_leader',
      'writer_quarantined',
      'writer_commands_total',
      'provision_mapper_commands_total',
    ]) {
      expect(exported).toContain(name);
    }
  });

  it('every alert expression names exported metrics only, and alerts cover what operators must hear of', () => {
    const rules = (
      named('PrometheusRule', 'provision')!['spec'] as { groups: { rules: { alert: string; expr: string }[] }[] }
    ).groups.flatMap((g) => g.rules);
    for (const rule of rules) expect(unknownMetrics(rule.expr, exported), rule.alert).toEqual([]);
    const text = rules.map((r) => r.expr).join('\n');
    for (const metric of [
      'kafka_consumergroup_lag',
      'writer_quarantined',
      'writer_commands_total',
      'writer_salesforce_api_calls_total',
      'ingestor_leader',
    ]) {
      expect(text).toContain(metric);
    }
    // The budget alert's threshold is the budget the writers are configured with.
    const budget = Number(configValue('provision-writer', 'SALESFORCE_API_BUDGET_PER_MINUTE'));
    const alert = rules.find((r) => r.alert === 'ProvisionSalesforceBudgetNearLimit')!;
    expect(alert.expr).toContain(`0.9 * ${budget}`);
  });

  it('the Grafana dashboard is JSON whose every query names exported metrics', () => {
    const json = (named('ConfigMap', 'provision-grafana-dashboard')!['data'] as Record<string, string>)[
      'provision.json'
    ]!;
    const dashboard = JSON.parse(json) as { uid: string; panels: { title: string; targets: { expr: string }[] }[] };
    expect(dashboard.uid).toBe('provision');
    expect(dashboard.panels.length).toBeGreaterThan(5);
    for (const panel of dashboard.panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const t of panel.targets) expect(unknownMetrics(t.expr, exported), panel.title).toEqual([]);
    }
  });
});

// --- helpers -------------------------------------------------------------------------------------

interface Container {
  name: string;
  image: string;
  ports?: { containerPort: unknown }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; optional?: boolean } } }[];
}
interface PodSpec {
  containers: Container[];
  volumes?: { configMap?: { name: string; optional?: boolean }; secret?: { secretName: string; optional?: boolean } }[];
}
interface PolicyPeer {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: unknown;
}
interface PolicySpec {
  podSelector: { matchLabels?: Record<string, string> };
  ingress?: { from?: PolicyPeer[] }[];
  egress?: { to?: PolicyPeer[] }[];
}
interface IngressSpec {
  tls?: { hosts: string[] }[];
  rules: { host: string; http: { paths: { backend: { service: { name: string; port: { name: string } } } }[] } }[];
}

function podSpec(d: KubeObject): PodSpec {
  return (d['spec'] as { template: { spec: PodSpec } }).template.spec;
}

function podLabels(d: KubeObject): Record<string, string> {
  return (d['spec'] as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function selects(spec: unknown, labels: Record<string, string>): boolean {
  const selector = (spec as { selector?: { matchLabels?: Record<string, string> } }).selector;
  return selector?.matchLabels !== undefined && matches(selector.matchLabels, labels);
}

function configValue(configMap: string, key: string): string {
  const value = (named('ConfigMap', configMap)?.['data'] as Record<string, string> | undefined)?.[key];
  if (value === undefined) throw new Error(`ConfigMap ${configMap} has no ${key}`);
  return value;
}

/** Metric names the code registers: the string given to counter/gauge/histogram in services and packages. */
function exportedMetrics(): Set<string> {
  const names = new Set<string>();
  const dirs = ['services', 'packages'].flatMap((top) =>
    readdirSync(join(ROOT, top)).map((name) => join(ROOT, top, name, 'src')),
  );
  const visit = (dir: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) visit(path);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/\b(?:counter|gauge|histogram)\(\s*[\w.]+,\s*'([a-z_:][a-z0-9_:]*)'/g))
          names.add(m[1]!);
      }
    }
  };
  for (const dir of dirs) visit(dir);
  return names;
}

/** Metrics from elsewhere that the queries may use, each with who exports it. */
const EXTERNAL = new Map([
  ['up', 'Prometheus itself, per scrape target'],
  ['kafka_consumergroup_lag', 'kafka-exporter (consumer lag per group and partition)'],
]);
/** prom-client's default process and Node.js metrics (collectDefaultMetrics in @provision/telemetry). */
const DEFAULT_METRIC = /^(process|nodejs)_[a-z_]+$/;
const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
  'le',
]);

/** The metric names of a PromQL expression that neither the code nor a known exporter defines. */
function unknownMetrics(expr: string, exported: ReadonlySet<string>): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = [...bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?/g)]
    .filter((m) => !m[2] && !PROMQL_WORDS.has(m[1]!) && !/^\d/.test(m[1]!) && !/^e\d+$/.test(m[1]!))
    .map((m) => m[1]!);
  return names.filter((name) => {
    const family = name.replace(/_(bucket|count|sum)$/, '');
    return !(exported.has(name) || exported.has(family) || EXTERNAL.has(name) || DEFAULT_METRIC.test(name));
  });
}
