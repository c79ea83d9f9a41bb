import { ProvisionError } from '@provision/errors';
import { isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type MappingConfig, MappingConfigSchema } from './schema.ts';
import { type ConfigProblem, semanticChecks } from './semantic-checks.ts';

/** A problem with where it is: the path as text (`mappings[3].expression`) and, when known, the line. */
export interface LocatedProblem extends ConfigProblem {
  /** `mappings[3].expression`; `(root)` for the document itself. */
  readonly location: string;
  /** 1-based line and column in the text, when the path exists in it. */
  readonly line?: number;
  readonly column?: number;
}

/** The outcome of parsing a mapping configuration: the config (with its warnings), or every problem. */
export type ParseConfigResult =
  | { readonly ok: true; readonly config: MappingConfig; readonly warnings: readonly LocatedProblem[] }
  | { readonly ok: false; readonly problems: readonly LocatedProblem[] };

/** `['mappings', 3, 'expression']` → `mappings[3].expression`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out || '(root)';
}

/** `mappings[3].expression (line 27): Expected ")" at column 17` — how the CLI prints a problem. */
export function formatProblem(p: LocatedProblem): string {
  const where = p.line === undefined ? p.location : `${p.location} (line ${p.line})`;
  return `${p.severity === 'warning' ? 'warning: ' : ''}${where}: ${p.message}`;
}

/**
 * Parses and validates a mapping configuration written in YAML or JSON (YAML is a superset of
 * JSON, so one parser reads both). Every problem is reported, each with its path and line.
 */
export function parseMappingConfig(text: string): ParseConfigResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return {
          path: [],
          location: '(root)',
          message: `YAML syntax error: ${e.message.split('\n')[0]}`,
          severity: 'error' as const,
          line: pos.line,
          column: pos.col,
        };
      }),
    };
  }
  const raw: unknown = doc.toJS();
  const locate = (p: ConfigProblem): LocatedProblem => {
    const node = nodeAt(doc.contents, p.path);
    const pos = node?.range ? lineCounter.linePos(node.range[0]) : undefined;
    return { ...p, location: formatPath(p.path), ...(pos ? { line: pos.line, column: pos.col } : {}) };
  };
  const parsed = MappingConfigSchema.safeParse(raw);
  const schemaProblems = parsed.success ? [] : parsed.error.issues.map(fromZodIssue);
  const all = dedupe([...schemaProblems, ...semanticChecks(raw)]).map(locate);
  const errors = all.filter((p) => p.severity === 'error');
  if (!parsed.success || errors.length > 0) return { ok: false, problems: all };
  return { ok: true, config: deepFreeze(parsed.data), warnings: all };
}

/** parseMappingConfig(), throwing `PRV_MAPPING_INVALID` (with every problem in `details.problems`) when invalid. */
export function loadMappingConfig(text: string): MappingConfig {
  const result = parseMappingConfig(text);
  if (result.ok) return result.config;
  const lines = result.problems.map(formatProblem);
  throw new ProvisionError('PRV_MAPPING_INVALID', `Invalid mapping configuration:\n  ${lines.join('\n  ')}`, {
    details: { problems: result.problems },
  });
}

function fromZodIssue(issue: z.core.$ZodIssue): ConfigProblem {
  let path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    message = `Unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    if (issue.keys.length === 1) path = [...path, issue.keys[0] as string];
  } else if (issue.code === 'invalid_type' && issue.input === undefined) {
    message = `Required (expected ${issue.expected})`;
  }
  return { path, message, severity: 'error' };
}

function nodeAt(root: unknown, path: readonly (string | number)[]): Node | undefined {
  let node = root as Node | null | undefined;
  let last: Node | undefined = node ?? undefined;
  for (const seg of path) {
    if (isMap(node)) node = node.get(seg, true) as Node | undefined;
    else if (isSeq(node) && typeof seg === 'number') node = node.get(seg, true) as Node | undefined;
    else break;
    if (!node) break;
    // The key's position reads better than the value's for a mapping that spans lines.
    last = node;
  }
  return last;
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${formatPath(p.path)}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
