import type { KubeObject } from './kustomize.ts';

/**
 * Where the OpenAPI schema of each API group lives: `kubernetes-models` (the Kubernetes API's own
 * OpenAPI definitions, compiled to validators), `@kubernetes-models/prometheus-operator` and
 * `@kubernetes-models/keda` (those operators' CRD schemas). All are in the packages, so validation
 * needs no network.
 */
function modelModule(apiVersion: string): string | undefined {
  if (apiVersion === 'monitoring.coreos.com/v1')
    return '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
  if (apiVersion === 'keda.sh/v1alpha1') return '@kubernetes-models/keda/keda.sh/v1alpha1';
  if (/^([a-z0-9.-]+\.k8s\.io\/|apps\/|batch\/|policy\/|autoscaling\/)?v\d+((alpha|beta)\d+)?$/.test(apiVersion)) {
    return `kubernetes-models/${apiVersion}`;
  }
  return undefined;
}

interface ModelClass {
  prototype: { validate(this: unknown): void };
}

/**
 * Checks one object against the schema of its apiVersion and kind: types, required fields,
 * enums, formats and patterns (the compiled OpenAPI validators), and also unknown fields, which
 * the OpenAPI schemas allow but `kubectl apply` refuses (strict field validation): a field is
 * known when the validator looked at it, or when it walked every key of its object (a map such as
 * labels or a ConfigMap's data). Returns the problems, empty when the object is valid.
 */
export async function validateObject(object: KubeObject): Promise<string[]> {
  const module = modelModule(object.apiVersion);
  if (!module) return [`no schema known for apiVersion ${object.apiVersion}`];
  const models = (await import(module)) as Record<string, ModelClass | undefined>;
  const model = models[object.kind];
  if (!model?.prototype?.validate) return [`no schema for kind ${object.kind} in ${object.apiVersion}`];

  const read = new Map<string, Set<string> | 'all'>();
  const note = (path: string, key: string) => {
    const keys = read.get(path) ?? new Set<string>();
    if (keys === 'all') return;
    keys.add(key);
    read.set(path, keys);
  };
  const wrap = (value: unknown, path: string): unknown => {
    if (value === null || typeof value !== 'object') return value;
    return new Proxy(value, {
      get(target, key, receiver) {
        const child = Reflect.get(target, key, receiver);
        if (typeof key !== 'string') return child;
        note(path, key);
        return Object.hasOwn(target, key) ? wrap(child, `${path}/${key}`) : child;
      },
      has(target, key) {
        if (typeof key === 'string') note(path, key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        read.set(path, 'all');
        return Reflect.ownKeys(target);
      },
    });
  };

  const problems: string[] = [];
  try {
    model.prototype.validate.call(wrap(object, ''));
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  const unknown = (value: unknown, path: string) => {
    if (value === null || typeof value !== 'object') return;
    const keys = read.get(path);
    for (const [key, child] of Object.entries(value)) {
      if (!Array.isArray(value) && keys !== 'all' && !keys?.has(key)) problems.push(`${path}/${key}: unknown field`);
      else unknown(child, `${path}/${key}`);
    }
  };
  unknown(object, '');
  return problems;
}
