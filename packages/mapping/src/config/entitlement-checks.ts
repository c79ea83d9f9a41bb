import { FEATURE_LICENSES } from '../feature-licences.ts';
import type { ConfigProblem } from './semantic-checks.ts';

type Raw = Record<string, unknown>;
const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks of featureLicenseRules and roleRules a schema cannot express: each licence is a known
 * feature licence field, a rule says whom it applies to, a `when` expression parses, no attribute
 * mapping fights a rule over the same field, and a role rule is not hidden by an earlier one.
 */
export function entitlementChecks(raw: Raw, expressionProblem: (text: string) => string | null): ConfigProblem[] {
  const mappings = Array.isArray(raw['mappings']) ? raw['mappings'] : [];
  const problems: ConfigProblem[] = [];
  if (Array.isArray(raw['featureLicenseRules']))
    problems.push(...checkFeatureLicenseRules(raw['featureLicenseRules'], mappings, expressionProblem));
  if (Array.isArray(raw['roleRules'])) problems.push(...checkRoleRules(raw['roleRules'], mappings));
  return problems;
}

function checkFeatureLicenseRules(
  rules: unknown[],
  mappings: unknown[],
  expressionProblem: (text: string) => string | null,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const named = new Set<string>();
  rules.forEach((rule, i) => {
    if (!isRecord(rule)) return;
    const at = (...rest: (string | number)[]) => ['featureLicenseRules', i, ...rest];
    if (rule['group'] === undefined && rule['when'] === undefined) {
      problems.push(
        error(at(), 'A feature licence rule needs a group (an Entra group object id), a when expression, or both'),
      );
    }
    if (typeof rule['when'] === 'string') {
      const syntax = expressionProblem(rule['when']);
      if (syntax) problems.push(error(at('when'), syntax));
    }
    const licences = Array.isArray(rule['featureLicenses']) ? rule['featureLicenses'] : [];
    licences.forEach((name, j) => {
      if (typeof name !== 'string') return;
      if (Object.hasOwn(FEATURE_LICENSES, name)) {
        named.add(name);
        return;
      }
      const near = Object.keys(FEATURE_LICENSES).find(
        (f) => f.toLowerCase() === name.toLowerCase() || f.toLowerCase() === `userpermissions${name}`.toLowerCase(),
      );
      problems.push(
        error(
          at('featureLicenses', j),
          `"${name}" is not a feature licence field${near ? ` (did you mean "${near}"?)` : ''}; expected one of ${Object.keys(FEATURE_LICENSES).join(', ')}`,
        ),
      );
    });
  });
  // A mapping with a value source would fight the rules; one with a default only sets the value on
  // create, which the rules then override for the users they grant the licence to.
  mappings.forEach((m, i) => {
    if (!isRecord(m) || typeof m['target'] !== 'string' || !named.has(m['target'])) return;
    if (m['source'] === undefined && m['constant'] === undefined && m['expression'] === undefined) return;
    problems.push(
      error(
        ['mappings', i, 'target'],
        `${m['target']} is granted by featureLicenseRules: a mapping may give it a default only (no source, constant or expression)`,
      ),
    );
  });
  return problems;
}

function checkRoleRules(rules: unknown[], mappings: unknown[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const groups = new Map<string, number>();
  rules.forEach((rule, i) => {
    if (!isRecord(rule) || typeof rule['group'] !== 'string') return;
    const first = groups.get(rule['group']);
    if (first !== undefined) {
      problems.push(
        error(
          ['roleRules', i, 'group'],
          `this group already has a role at roleRules[${first}], which comes first and wins: this rule never applies`,
        ),
      );
    } else groups.set(rule['group'], i);
  });
  if (rules.length === 0) return problems;
  mappings.forEach((m, i) => {
    if (!isRecord(m) || typeof m['target'] !== 'string') return;
    if (!['userrolename', 'userroleid'].includes(m['target'].toLowerCase())) return;
    problems.push(
      error(['mappings', i, 'target'], `${m['target']} is set by roleRules: remove this mapping or the role rules`),
    );
  });
  return problems;
}

const error = (path: (string | number)[], message: string): ConfigProblem => ({ path, message, severity: 'error' });
