import { readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as rendered, with the file it came from (for messages). */
export interface Rendered {
  readonly source: string;
  readonly object: KubeObject;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/** The kustomization fields this renderer implements; any other field is refused by name. */
const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'labels', 'resources', 'images']);

/** Kinds without a namespace (the namespace transformer leaves them alone). */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PriorityClass',
  'StorageClass',
  'IngressClass',
  'PersistentVolume',
]);

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  resources?: string[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
}

/**
 * Renders `<dir>/kustomization.yaml` as `kustomize build` does, for the subset of kustomize the
 * project's manifests use: `resources` (files, and directories holding a kustomization, rendered
 * first), `namespace`, `labels` (`pairs`, `includeSelectors`, `includeTemplates`) and `images`.
 * Anything else in a kustomization is an error naming the field and the file, so a manifest
 * change that needs more of kustomize fails here rather than being rendered wrongly.
 */
export function renderKustomization(dir: string, root = dir): Rendered[] {
  const file = join(dir, 'kustomization.yaml');
  const where = relative(root, file) || file;
  const k = parseOne(file) as Kustomization;
  for (const key of Object.keys(k)) {
    if (!SUPPORTED.has(key))
      throw new Error(`${where}: kustomization field "${key}" is not supported by this renderer`);
  }
  if (k.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || k.kind !== 'Kustomization') {
    throw new Error(`${where}: expected apiVersion kustomize.config.k8s.io/v1beta1 and kind Kustomization`);
  }
  const out: Rendered[] = [];
  for (const resource of k.resources ?? []) {
    const path = join(dir, resource);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new Error(`${where}: resource "${resource}" does not exist`);
    }
    if (isDir) out.push(...renderKustomization(path, root));
    else out.push(...readObjects(path, root));
  }
  for (const { object } of out) {
    if (k.namespace !== undefined && !CLUSTER_SCOPED.has(object.kind)) object.metadata.namespace = k.namespace;
    for (const label of k.labels ?? []) addLabels(object, label);
    for (const image of k.images ?? []) setImage(object, image);
  }
  const seen = new Set<string>();
  for (const { source, object } of out) {
    const id = `${object.apiVersion.split('/')[0]} ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    if (seen.has(id)) throw new Error(`${source}: ${object.kind} ${object.metadata.name} is defined twice`);
    seen.add(id);
  }
  return out;
}

/** Every document of a YAML file, each checked to be a Kubernetes object with a name. */
export function readObjects(path: string, root: string): Rendered[] {
  const source = relative(root, path) || path;
  const docs = parseAllDocuments(readFileSync(path, 'utf8'));
  const out: Rendered[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]!.message}`);
    const object = doc.toJS() as KubeObject | null;
    if (object === null) continue;
    if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string' || !object.metadata?.name) {
      throw new Error(`${source}: a document without apiVersion, kind or metadata.name`);
    }
    out.push({ source, object });
  }
  return out;
}

function parseOne(file: string): unknown {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  if (docs.length !== 1 || docs[0]!.errors.length > 0) throw new Error(`${file}: expected one YAML document`);
  return docs[0]!.toJS();
}

function addLabels(object: KubeObject, label: NonNullable<Kustomization['labels']>[number]): void {
  object.metadata.labels = { ...object.metadata.labels, ...label.pairs };
  const spec = object['spec'] as Record<string, unknown> | undefined;
  if (label.includeSelectors) {
    // As kustomize: selectors and templates both, or the selector would not match the pods.
    if (object.kind === 'Service' && spec) {
      spec['selector'] = { ...(spec['selector'] as Record<string, string> | undefined), ...label.pairs };
    } else {
      const selector = spec?.['selector'] as { matchLabels?: Record<string, string> } | undefined;
      if (selector?.matchLabels) selector.matchLabels = { ...selector.matchLabels, ...label.pairs };
    }
  }
  if (label.includeSelectors || label.includeTemplates) {
    const template = spec?.['template'] as { metadata?: { labels?: Record<string, string> } } | undefined;
    if (template)
      template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, ...label.pairs } };
  }
}

function setImage(object: KubeObject, image: NonNullable<Kustomization['images']>[number]): void {
  const pod = (object['spec'] as { template?: { spec?: PodSpec } } | undefined)?.template?.spec;
  if (!pod) return;
  for (const container of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
    const name = container.image.replace(/[@:][^/]*$/, '');
    if (name !== image.name) continue;
    const newName = image.newName ?? name;
    container.image = image.digest
      ? `${newName}@${image.digest}`
      : `${newName}${image.newTag ? `:${image.newTag}` : container.image.slice(name.length)}`;
  }
}

interface PodSpec {
  containers?: { image: string }[];
  initContainers?: { image: string }[];
}

/** The directory of this repository's `k8s/`. */
export const K8S_DIR = join(dirname(new URL(import.meta.url).pathname), '..', '..', 'k8s');
