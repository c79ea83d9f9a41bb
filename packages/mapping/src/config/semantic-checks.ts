import { compileDotnetRegex, findBacktrackingRisk, findRiskyPatterns, parseExpression } from '@provision/expressions';
import { checkPicklistValue, PICKLIST_FIELDS } from '../salesforce-picklists.ts';
import { entitlementChecks } from './entitlement-checks.ts';
import { SCOPING_OPERATORS, type ScopingOperator, UNARY_OPERATORS } from './schema.ts';

/** One problem found in a mapping configuration, located by its path (`mappings[3].expression`). */
export interface ConfigProblem {
  /** Path segments into the document (`['mappings', 3, 'expression']`). */
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** Errors make the configuration invalid; warnings are worth reading. */
  readonly severity: 'error' | 'warning';
}

type Raw = Record<string, unknown>;
const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The checks a schema cannot express: expressions parse, one kind of source per mapping, no
 * duplicate targets, a matching attribute exists, filter values fit their operator. They run on the
 * raw document, next to the schema, so that one run reports every problem.
 */
export function semanticChecks(raw: unknown): ConfigProblem[] {
  if (!isRecord(raw)) return [];
  const problems: ConfigProblem[] = [];
  const validatePicklists = raw['validatePicklists'] !== false;
  if (Array.isArray(raw['mappings'])) problems.push(...checkMappings(raw['mappings'], validatePicklists, raw['scope']));
  if (Array.isArray(raw['scopingFilters'])) problems.push(...checkFilters(raw['scopingFilters']));
  if (isRecord(raw['link']) && Array.isArray(raw['mappings']))
    problems.push(...checkLink(raw['link'], raw['mappings']));
  if (isRecord(raw['multipleRoles'])) problems.push(...checkMultipleRoles(raw['multipleRoles']));
  problems.push(...entitlementChecks(raw, expressionProblem));
  return problems;
}

/** `precedence` needs its ordered list, and the list names each role once; the other policies take none. */
function checkMultipleRoles(policy: Raw): ConfigProblem[] {
  const list = Array.isArray(policy['precedence']) ? policy['precedence'] : [];
  if (policy['policy'] === 'precedence' && list.length === 0) {
    return [
      error(
        ['multipleRoles', 'precedence'],
        'policy "precedence" needs the app roles in order, highest first (e.g. [System Administrator, Standard User])',
      ),
    ];
  }
  if (policy['policy'] !== 'precedence' && list.length > 0) {
    return [
      error(
        ['multipleRoles', 'precedence'],
        `a precedence list is used only with policy "precedence" (the policy is "${String(policy['policy'] ?? 'conflict')}")`,
      ),
    ];
  }
  const seen = new Map<string, number>();
  const problems: ConfigProblem[] = [];
  list.forEach((role, i) => {
    if (typeof role !== 'string') return;
    const first = seen.get(role);
    if (first !== undefined) {
      problems.push(
        error(['multipleRoles', 'precedence', i], `"${role}" is listed twice (also at precedence[${first}])`),
      );
    } else seen.set(role, i);
  });
  return problems;
}

/** The link field holds the Entra object id and nothing else: no mapping may write it, nor a pseudo-field. */
function checkLink(link: Raw, mappings: unknown[]): ConfigProblem[] {
  const field = link['field'];
  if (typeof field !== 'string') return [];
  if (LINK_REFUSED.has(field.toLowerCase())) {
    return [
      error(['link', 'field'], `${field} cannot hold the link: use a custom Text field such as EntraObjectId__c`),
    ];
  }
  const i = mappings.findIndex(
    (m) => isRecord(m) && typeof m['target'] === 'string' && m['target'].toLowerCase() === field.toLowerCase(),
  );
  if (i < 0) return [];
  return [
    error(
      ['mappings', i, 'target'],
      `${field} is the link field (link.field): Provision writes the Entra object id there, so no mapping may write it`,
    ),
  ];
}

// Fields Salesforce or Provision give another meaning to.
const LINK_REFUSED = new Set(
  [
    'Id',
    'Username',
    'Email',
    'ProfileName',
    'ProfileId',
    'UserRoleName',
    'UserRoleId',
    'IsActive',
    'IsFrozen',
    'PermissionSets',
    'PublicGroups',
    'Queues',
    'PermissionSetGroups',
    'PermissionSetLicenses',
  ].map((f) => f.toLowerCase()),
);

function checkMappings(mappings: unknown[], validatePicklists: boolean, scope: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const targets = new Map<string, number>();
  const precedences = new Map<number, number>();
  let matching = 0;
  mappings.forEach((m, i) => {
    if (!isRecord(m)) return;
    const at = (...rest: (string | number)[]) => ['mappings', i, ...rest];
    const kinds = (['source', 'constant', 'expression'] as const).filter((k) => m[k] !== undefined);
    if (kinds.length > 1) {
      problems.push(error(at(), `Use one of source, constant or expression, not ${kinds.join(' and ')}`));
    }
    if (kinds.length === 0 && m['default'] === undefined) {
      problems.push(error(at(), 'A mapping needs a source, a constant, an expression or a default'));
    }
    if (typeof m['expression'] === 'string') {
      const syntax = expressionProblem(m['expression']);
      if (syntax) problems.push(error(at('expression'), syntax));
      else {
        for (const risky of findRiskyPatterns(parseExpression(m['expression']))) {
          problems.push(error(at('expression'), `${risky.message}, at column ${risky.column}`));
        }
      }
      if (
        !syntax &&
        scope === 'allUsers' &&
        /\bSingleAppRoleAssignment\s*\(/.test(m['expression']) &&
        typeof m['target'] === 'string'
      ) {
        problems.push({
          path: at('expression'),
          message:
            'SingleAppRoleAssignment is not compatible with scope "allUsers" in Entra; users without a role get the default on create',
          severity: 'warning',
        });
      }
    }
    if (typeof m['target'] === 'string') {
      const key = m['target'].toLowerCase();
      const first = targets.get(key);
      if (first !== undefined) {
        problems.push(error(at('target'), `Duplicate target "${m['target']}" (already mapped at mappings[${first}])`));
      } else targets.set(key, i);
      if (validatePicklists) {
        for (const k of ['constant', 'default'] as const) {
          const value = m[k];
          if (typeof value !== 'string' || !PICKLIST_FIELDS.has(m['target'])) continue;
          const check = checkPicklistValue(m['target'], value);
          if (!check.valid) {
            problems.push(
              error(at(k), `"${value}" is not a Salesforce ${m['target']} value${suggest(check.suggestion)}`),
            );
          } else if (check.canonical !== value) {
            problems.push(error(at(k), `Salesforce spells this ${m['target']} value "${check.canonical}"`));
          }
        }
      }
    }
    const precedence = m['matchingPrecedence'];
    if (typeof precedence === 'number') {
      matching++;
      const first = precedences.get(precedence);
      if (first !== undefined) {
        problems.push(
          error(at('matchingPrecedence'), `Matching precedence ${precedence} is already used by mappings[${first}]`),
        );
      } else precedences.set(precedence, i);
      if (m['constant'] !== undefined) {
        problems.push(error(at('matchingPrecedence'), 'A matching attribute must come from the user, not a constant'));
      }
    }
  });
  if (matching === 0 && mappings.length > 0) {
    problems.push(error(['mappings'], 'No matching attribute: give at least one mapping a matchingPrecedence'));
  }
  return problems;
}

function checkFilters(filters: unknown[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  filters.forEach((f, i) => {
    if (!isRecord(f) || !Array.isArray(f['clauses'])) return;
    f['clauses'].forEach((c, j) => {
      if (!isRecord(c)) return;
      const op = c['operator'];
      if (typeof op !== 'string' || !(SCOPING_OPERATORS as readonly string[]).includes(op)) return;
      const at = ['scopingFilters', i, 'clauses', j, 'value'];
      const value = c['value'];
      const operator = op as ScopingOperator;
      if (UNARY_OPERATORS.has(operator)) {
        if (value !== undefined) problems.push(error(at, `${operator} takes no value`));
        return;
      }
      if (value === undefined) {
        problems.push(error(at, `${operator} needs a value`));
        return;
      }
      const text = String(value);
      if ((operator === 'Greater_Than' || operator === 'Greater_Than_OR_EQUALS') && !/^\d+$/.test(text)) {
        problems.push(error(at, `${operator} compares integers (0, 1, 2, …); "${text}" is not one`));
      }
      if (operator === 'REGEX MATCH' || operator === 'NOT REGEX MATCH') {
        const risk = findBacktrackingRisk(text);
        try {
          compileDotnetRegex(text);
          if (risk) {
            problems.push(
              error(
                at,
                `Regular expression "${text}" could take exponential time to match: ${risk.message} (character ${risk.index + 1} of the pattern)`,
              ),
            );
          }
        } catch (e) {
          problems.push(error(at, `Invalid regular expression: ${(e as Error).message}`));
        }
      }
    });
  });
  return problems;
}

/** The message of an expression's syntax error, with its column; null when it parses. */
export function expressionProblem(text: string): string | null {
  try {
    parseExpression(text);
    return null;
  } catch (e) {
    return describeExpressionError(e);
  }
}

/** `Expected ")" at column 17`, from the expressions package's typed error (or its message). */
export function describeExpressionError(e: unknown): string {
  const err = e as { message?: unknown; details?: { column?: unknown; expected?: unknown } };
  const message = typeof err.message === 'string' ? err.message : String(e);
  const column = err.details?.column;
  if (typeof column === 'number' && !message.includes(`column ${column}`)) return `${message} at column ${column}`;
  return message;
}

const error = (path: (string | number)[], message: string): ConfigProblem => ({ path, message, severity: 'error' });
const suggest = (s: string | undefined) => (s ? ` (did you mean "${s}"?)` : '');
