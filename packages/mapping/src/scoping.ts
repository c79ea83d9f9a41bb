import { type BoundedRegex, compileDotnetRegex } from '@provision/expressions';
import { type Attributes, attributeOf } from './attributes.ts';
import type { ScopingClause, ScopingFilter } from './config/schema.ts';
import type { EntraAttributeValue } from './types.ts';

/**
 * Evaluates one scoping clause the way Entra documents it (reference §2.2):
 * - every operator but IS NULL is false when the attribute is null or empty ("Scoping filters will
 *   return false if the value is null / empty"), NOT EQUALS and NOT REGEX MATCH included;
 * - EQUALS, NOT EQUALS, Includes, REGEX MATCH and NOT REGEX MATCH are case-sensitive (documented);
 *   ENDS_WITH, & and !& are too (ordinal .NET string comparison; not documented either way);
 * - REGEX MATCH is .NET `Regex.IsMatch`: a match anywhere, anchor with ^…$ for the whole value
 *   (run with a bound on matching time, as Replace's patterns are: `compileDotnetRegex`);
 * - IS TRUE / IS FALSE accept a Boolean or its text ("True"/"false", case-insensitive, as .NET
 *   `bool.Parse`);
 * - Greater_Than(_OR_EQUALS) compare integers only; anything else is false;
 * - `&` holds when the attribute's value occurs in the clause's value, `!&` when it does not;
 * - multi-valued attributes are not supported by Entra's filters: a clause on one is false.
 */
export function evaluateClause(clause: ScopingClause, attributes: Attributes): boolean {
  const raw = attributeOf(attributes, clause.attribute);
  if (clause.operator === 'IS NULL') return isEmpty(raw);
  if (isEmpty(raw) || Array.isArray(raw)) return false;
  const text = asText(raw as string | number | boolean);
  const value = clause.value === undefined ? '' : String(clause.value);
  switch (clause.operator) {
    case 'IS NOT NULL':
      return true;
    case 'IS TRUE':
      return raw === true || text.toLowerCase() === 'true';
    case 'IS FALSE':
      return raw === false || text.toLowerCase() === 'false';
    case 'EQUALS':
      return text === value;
    case 'NOT EQUALS':
      return text !== value;
    case 'Includes':
      return text.includes(value);
    case 'ENDS_WITH':
      return text.endsWith(value);
    case '&':
      return value.includes(text);
    case '!&':
      return !value.includes(text);
    case 'REGEX MATCH':
      return matches(value, text) ?? false;
    case 'NOT REGEX MATCH': {
      const found = matches(value, text);
      return found === null ? false : !found;
    }
    case 'Greater_Than':
    case 'Greater_Than_OR_EQUALS': {
      if (!INTEGER.test(text) || !INTEGER.test(value)) return false;
      const a = BigInt(text);
      const b = BigInt(value);
      return clause.operator === 'Greater_Than' ? a > b : a >= b;
    }
  }
}

/** The outcome of the scoping filters for one user. */
export interface ScopingResult {
  readonly passed: boolean;
  /** Index of the first filter that passed, when one did. */
  readonly matchedFilter?: number;
  /** For the reason: which clause failed in each filter. */
  readonly explanation: string;
}

/** Filters are ORed, the clauses of one filter ANDed; no filters at all lets everyone through. */
export function evaluateScopingFilters(filters: readonly ScopingFilter[], attributes: Attributes): ScopingResult {
  if (filters.length === 0) return { passed: true, explanation: 'no scoping filters' };
  const failures: string[] = [];
  for (const [i, filter] of filters.entries()) {
    const failed = filter.clauses.find((c) => !evaluateClause(c, attributes));
    const name = filter.name ? `"${filter.name}"` : `#${i + 1}`;
    if (!failed) return { passed: true, matchedFilter: i, explanation: `passes scoping filter ${name}` };
    failures.push(`filter ${name}: ${describeClause(failed, attributes)} is false`);
  }
  return { passed: false, explanation: failures.join('; ') };
}

/** `department EQUALS "Sales" (value: "Marketing")` — a clause as Entra's on-demand view shows it. */
export function describeClause(clause: ScopingClause, attributes: Attributes): string {
  const actual = attributeOf(attributes, clause.attribute);
  const shown = isEmpty(actual) ? 'empty' : JSON.stringify(actual);
  const operand = clause.value === undefined ? '' : ` ${JSON.stringify(String(clause.value))}`;
  return `${clause.attribute} ${clause.operator}${operand} (value: ${shown})`;
}

const INTEGER = /^\d+$/;

function isEmpty(v: EntraAttributeValue): boolean {
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
}

function asText(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

// Whether the pattern matches; null when it cannot be run (the config check reports invalid and
// risky patterns; a text too long for a pattern that needs backtracking is not matched either).
function matches(pattern: string, text: string): boolean | null {
  const re = compile(pattern);
  if (re === null) return null;
  try {
    return re.test(text);
  } catch {
    return null;
  }
}

const cache = new Map<string, BoundedRegex | null>();
function compile(pattern: string): BoundedRegex | null {
  let re = cache.get(pattern);
  if (re === undefined) {
    try {
      re = compileDotnetRegex(pattern);
    } catch {
      // The config check rejects invalid patterns; a filter that cannot match is false.
      re = null;
    }
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}
