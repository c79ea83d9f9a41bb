import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ServiceName } from '@provision/demo';

/** A route a service registers, as its source spells it (`:param` kept). */
export interface RegisteredRoute {
  readonly service: ServiceName;
  readonly method: string;
  readonly path: string;
  /** file:line of the registration. */
  readonly at: string;
}

const SERVICES: readonly ServiceName[] = ['ingestor', 'mapper', 'writer', 'audit'];
/** The names our fastify instances and plugin scopes go by. */
const ROUTERS = new Set(['app', 'scope', 'http', 'ops', 'webhook', 'server']);
const CALL = /\.(get|post|put|patch|delete|head|options|all)\(\s*(?:'([^']*)'|`([^`]*)`|([A-Za-z_$][\w$]*))\s*,/g;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** The values a loop variable takes: `for (const x of ['a', 'b'])` or `for (const x of NAMES)` with `NAMES = [...]`. */
function loopValues(text: string, variable: string): string[] | undefined {
  const loop = new RegExp(`for \\(const ${variable} of (\\[[^\\]]*\\]|[A-Za-z_$][\\w$]*)`).exec(text);
  if (!loop) return undefined;
  let list = loop[1]!;
  if (!list.startsWith('[')) {
    const declared = new RegExp(`const ${list}\\b[^=]*=\\s*(\\[[^\\]]*\\])`).exec(text);
    if (!declared) return undefined;
    list = declared[1]!;
  }
  return [...list.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
}

/** Expands `${x}` in a template path with the values of the loop around it. */
function expand(text: string, template: string): string[] | undefined {
  const placeholder = /\$\{([A-Za-z_$][\w$]*)\}/.exec(template);
  if (!placeholder) return [template];
  const values = loopValues(text, placeholder[1]!);
  if (!values) return undefined;
  return values.flatMap((v) => expand(text, template.replace(placeholder[0], v)) ?? []);
}

/**
 * Every HTTP route the services register, read from their source (services/<name>/src, and the
 * ops routes of packages/telemetry that each of them serves): a call `.get('/path', …)`,
 * `.post(\`/path/${x}\`, …)` in a loop, or `.get(path, …)` over a listed array. A registration
 * the scan cannot read is returned in `unreadable`, so a new style of registering fails loudly.
 */
export function registeredRoutes(root: string): { routes: RegisteredRoute[]; unreadable: string[] } {
  const routes: RegisteredRoute[] = [];
  const unreadable: string[] = [];
  const scan = (file: string, services: readonly ServiceName[]) => {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(CALL)) {
      const [, method, quoted, template, identifier] = m;
      const at = `${relative(root, file)}:${text.slice(0, m.index).split('\n').length}`;
      // Not routes: a key of Redis or a Map (no leading slash), a variable of another receiver.
      if ((quoted ?? template)?.startsWith('/') === false) continue;
      const receiver = /(\w+)$/.exec(text.slice(0, m.index))?.[1] ?? '';
      if (identifier !== undefined && !ROUTERS.has(receiver)) continue;
      let paths: string[] | undefined;
      if (quoted !== undefined) paths = [quoted];
      else if (template !== undefined) paths = expand(text, template);
      else paths = loopValues(text, identifier!);
      if (paths === undefined) {
        unreadable.push(at);
        continue;
      }
      for (const path of paths)
        for (const service of services) routes.push({ service, method: method!.toUpperCase(), path, at });
    }
  };
  for (const service of SERVICES)
    for (const file of sources(join(root, 'services', service, 'src'))) scan(file, [service]);
  for (const file of sources(join(root, 'packages', 'telemetry', 'src'))) scan(file, SERVICES);
  return { routes, unreadable };
}

/** Whether a covered route name (`GET /api/x/<id>`) is a request to a registered route (`GET /api/x/:id`). */
export function covers(name: string, route: RegisteredRoute): boolean {
  const [method, path] = name.split(' ') as [string, string | undefined];
  if (method !== route.method || path === undefined) return false;
  const pattern = route.path
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${pattern}$`).test(path);
}
