import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SCOPING_OPERATORS,
  type ScopingClause,
  ScopingClauseSchema,
  type ScopingFilter,
  type ScopingOperator,
} from './config/schema.ts';
import { evaluateClause, evaluateScopingFilters } from './scoping.ts';

const clause = (attribute: string, operator: ScopingOperator, value?: string): ScopingClause =>
  value === undefined ? { attribute, operator } : { attribute, operator, value };
const holds = (attrs: Record<string, unknown>, op: ScopingOperator, value?: string) =>
  evaluateClause(clause('a', op, value), attrs as never);

describe('scoping operators', () => {
  it('EQUALS matches the exact value, case-sensitively', () => {
    expect(holds({ a: 'Sales' }, 'EQUALS', 'Sales')).toBe(true);
    expect(holds({ a: 'sales' }, 'EQUALS', 'Sales')).toBe(false);
    expect(holds({ a: 'Sales ' }, 'EQUALS', 'Sales')).toBe(false);
  });

  it('NOT EQUALS is the case-sensitive negation, and false on an empty attribute', () => {
    expect(holds({ a: 'sales' }, 'NOT EQUALS', 'Sales')).toBe(true);
    expect(holds({ a: 'Sales' }, 'NOT EQUALS', 'Sales')).toBe(false);
    expect(holds({}, 'NOT EQUALS', 'Sales')).toBe(false);
    expect(holds({ a: '' }, 'NOT EQUALS', 'Sales')).toBe(false);
  });

  it('IS TRUE and IS FALSE read Booleans and their text, case-insensitively', () => {
    expect(holds({ a: true }, 'IS TRUE')).toBe(true);
    expect(holds({ a: 'TRUE' }, 'IS TRUE')).toBe(true);
    expect(holds({ a: false }, 'IS TRUE')).toBe(false);
    expect(holds({ a: false }, 'IS FALSE')).toBe(true);
    expect(holds({ a: 'False' }, 'IS FALSE')).toBe(true);
    expect(holds({ a: 'no' }, 'IS FALSE')).toBe(false);
    expect(holds({}, 'IS FALSE')).toBe(false);
  });

  it('IS NULL holds for absent, null, empty text and empty lists; IS NOT NULL for anything else', () => {
    for (const empty of [{}, { a: null }, { a: '' }, { a: [] }]) {
      expect(holds(empty, 'IS NULL')).toBe(true);
      expect(holds(empty, 'IS NOT NULL')).toBe(false);
    }
    expect(holds({ a: 'x' }, 'IS NULL')).toBe(false);
    expect(holds({ a: false }, 'IS NOT NULL')).toBe(true);
  });

  it('REGEX MATCH matches anywhere in the value, case-sensitively', () => {
    expect(holds({ a: 'ada@contoso.com' }, 'REGEX MATCH', '.*\\@contoso.com')).toBe(true);
    expect(holds({ a: 'ada@CONTOSO.com' }, 'REGEX MATCH', '.*\\@contoso.com')).toBe(false);
    expect(holds({ a: '42' }, 'REGEX MATCH', '([1-9][0-9])')).toBe(true);
    expect(holds({ a: '7' }, 'REGEX MATCH', '([1-9][0-9])')).toBe(false);
    expect(holds({ a: '1234567' }, 'REGEX MATCH', '^(1[0-9]{6})$')).toBe(true);
  });

  it('NOT REGEX MATCH negates, but is false on an empty attribute', () => {
    expect(holds({ a: 'ada@fabrikam.com' }, 'NOT REGEX MATCH', '.*\\@contoso.com')).toBe(true);
    expect(holds({ a: 'ada@contoso.com' }, 'NOT REGEX MATCH', '.*\\@contoso.com')).toBe(false);
    expect(holds({}, 'NOT REGEX MATCH', '.*\\@contoso.com')).toBe(false);
  });

  it('Greater_Than and Greater_Than_OR_EQUALS compare integers only', () => {
    expect(holds({ a: '10' }, 'Greater_Than', '9')).toBe(true);
    expect(holds({ a: 10 }, 'Greater_Than', '10')).toBe(false);
    expect(holds({ a: 10 }, 'Greater_Than_OR_EQUALS', '10')).toBe(true);
    expect(holds({ a: '9' }, 'Greater_Than_OR_EQUALS', '10')).toBe(false);
    // Numerically, not as text ("9" > "10" as text).
    expect(holds({ a: '9' }, 'Greater_Than', '10')).toBe(false);
    expect(holds({ a: '12345678901234567890' }, 'Greater_Than', '12345678901234567889')).toBe(true);
    expect(holds({ a: '10.5' }, 'Greater_Than', '1')).toBe(false);
    expect(holds({ a: '-3' }, 'Greater_Than_OR_EQUALS', '0')).toBe(false);
  });

  it('Includes is a case-sensitive substring test', () => {
    expect(holds({ a: 'Inside Sales' }, 'Includes', 'Sales')).toBe(true);
    expect(holds({ a: 'inside sales' }, 'Includes', 'Sales')).toBe(false);
  });

  it('ENDS_WITH is a case-sensitive suffix test', () => {
    expect(holds({ a: 'ada@contoso.com' }, 'ENDS_WITH', '@contoso.com')).toBe(true);
    expect(holds({ a: 'ada@Contoso.com' }, 'ENDS_WITH', '@contoso.com')).toBe(false);
  });

  it('& holds when the attribute occurs in the value, !& when it does not', () => {
    expect(holds({ a: 'FR' }, '&', 'FR,DE,IT')).toBe(true);
    expect(holds({ a: 'US' }, '&', 'FR,DE,IT')).toBe(false);
    expect(holds({ a: 'US' }, '!&', 'FR,DE,IT')).toBe(true);
    expect(holds({ a: 'FR' }, '!&', 'FR,DE,IT')).toBe(false);
    expect(holds({}, '!&', 'FR,DE,IT')).toBe(false);
  });

  it('treats a multi-valued attribute as unsupported: every operator is false except IS NULL on an empty list', () => {
    for (const op of SCOPING_OPERATORS) expect(holds({ a: ['x'] }, op, 'x')).toBe(false);
  });

  it('reads attribute names case-insensitively', () => {
    expect(evaluateClause(clause('Department', 'EQUALS', 'Sales'), { department: 'Sales' })).toBe(true);
  });

  it('writes Booleans as .NET does ("True"/"False") for text operators', () => {
    expect(holds({ a: true }, 'EQUALS', 'True')).toBe(true);
  });

  it('reads a YAML Boolean or number operand as .NET text', () => {
    const clauses = ScopingClauseSchema.array().parse([
      { attribute: 'a', operator: 'EQUALS', value: true },
      { attribute: 'a', operator: 'Greater_Than', value: 5 },
    ]);
    expect(clauses.map((c) => c.value)).toEqual(['True', '5']);
    expect(evaluateClause(clauses[0] as ScopingClause, { a: true })).toBe(true);
  });
});

describe('scoping filters', () => {
  const sales: ScopingFilter = { name: 'sales', clauses: [clause('department', 'EQUALS', 'Sales')] };
  const frenchEngineers: ScopingFilter = {
    clauses: [clause('department', 'EQUALS', 'Engineering'), clause('country', 'EQUALS', 'FR')],
  };

  it('lets everyone through when there are none', () => {
    expect(evaluateScopingFilters([], {}).passed).toBe(true);
  });

  it('ANDs the clauses of one filter and ORs the filters', () => {
    expect(evaluateScopingFilters([sales, frenchEngineers], { department: 'Sales' }).passed).toBe(true);
    expect(
      evaluateScopingFilters([sales, frenchEngineers], { department: 'Engineering', country: 'FR' }),
    ).toMatchObject({
      passed: true,
      matchedFilter: 1,
    });
    const out = evaluateScopingFilters([sales, frenchEngineers], { department: 'Engineering', country: 'DE' });
    expect(out.passed).toBe(false);
    expect(out.explanation).toContain('country EQUALS "FR" (value: "DE")');
    expect(out.explanation).toContain('filter "sales": department EQUALS "Sales" (value: "Engineering")');
  });

  const operator = fc.constantFrom(...SCOPING_OPERATORS);
  const text = fc.string({ maxLength: 6, unit: fc.constantFrom('a', 'A', 'b', '1', '0', '@', '.') });
  const value = fc.oneof(text, fc.constant(null), fc.boolean(), fc.nat(200), fc.constant(undefined));
  const anyClause = fc.record({
    attribute: fc.constantFrom('x', 'y', 'z'),
    operator,
    value: fc.oneof(text, fc.nat(200).map(String)),
  });
  const filters = fc.array(fc.record({ clauses: fc.array(anyClause, { minLength: 1, maxLength: 3 }) }), {
    maxLength: 4,
  });
  const attrs = fc.record({ x: value, y: value, z: value }, { requiredKeys: [] });

  it('property: in scope exactly when every clause of some filter holds', () => {
    fc.assert(
      fc.property(filters, attrs, (fs, a) => {
        const expected = fs.length === 0 || fs.some((f) => f.clauses.every((c) => evaluateClause(c, a)));
        expect(evaluateScopingFilters(fs, a).passed).toBe(expected);
      }),
    );
  });

  it('property: on a non-empty value the negated operators are exact complements; on an empty one only IS NULL holds', () => {
    fc.assert(
      fc.property(text, text, (actual, operand) => {
        const a = { a: actual };
        if (actual === '') {
          for (const op of SCOPING_OPERATORS) expect(holds(a, op, operand)).toBe(op === 'IS NULL');
          return;
        }
        expect(holds(a, 'NOT EQUALS', operand)).toBe(!holds(a, 'EQUALS', operand));
        expect(holds(a, '!&', operand)).toBe(!holds(a, '&', operand));
        const pattern = operand.replace(/[.]/g, '\\.');
        expect(holds(a, 'NOT REGEX MATCH', pattern)).toBe(!holds(a, 'REGEX MATCH', pattern));
        expect(holds(a, 'IS NOT NULL')).toBe(true);
      }),
    );
  });

  it('property: EQUALS is case-sensitive — a value differing only in case never matches', () => {
    fc.assert(
      fc.property(text, (s) => {
        fc.pre(s.toUpperCase() !== s);
        expect(holds({ a: s }, 'EQUALS', s.toUpperCase())).toBe(false);
        expect(holds({ a: s }, 'EQUALS', s)).toBe(true);
      }),
    );
  });
});
