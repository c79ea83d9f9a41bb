import { describe, expect, it } from 'vitest';
import type { ExpressionAst } from './ast.ts';
import { ExpressionEvaluationError, ExpressionSyntaxError } from './errors.ts';
import { evaluateExpression, IGNORED } from './evaluator.ts';
import { referencedAttributes } from './referenced-attributes.ts';
import { ev, evalError } from './test-helpers.ts';

describe('evaluateExpression', () => {
  it('evaluates the default Salesforce mappings', () => {
    const user = {
      userPrincipalName: 'john.doe@contoso.com',
      IsSoftDeleted: false,
      preferredLanguage: 'en-US',
      appRoleAssignments: ['Standard User'],
    };
    expect(ev('Not([IsSoftDeleted])', user)).toBe(true);
    expect(ev('Mid([userPrincipalName], 1, 8)', user)).toBe('john.doe');
    expect(ev('[userPrincipalName]', user)).toBe('john.doe@contoso.com');
    expect(ev('Replace([preferredLanguage], "-", , , "_", , )', user)).toBe('en_US');
    expect(ev('SingleAppRoleAssignment([appRoleAssignments])', user)).toBe('Standard User');
  });

  it('matches attribute names case-insensitively, as Entra does', () => {
    expect(ev('[MAIL]', { mail: 'a@b.c' })).toBe('a@b.c');
    expect(ev('[mail]', { Mail: 'a@b.c' })).toBe('a@b.c');
    expect(ev('[mail]', { MAIL: null, mail: 'a@b.c' })).toBe('a@b.c');
  });

  it('yields null for an absent attribute and copies a multi-valued one', () => {
    const source = { proxyAddresses: ['a', 'b'] };
    expect(ev('[missing]')).toBeNull();
    expect(ev('[x]', { x: undefined })).toBeNull();
    const result = ev('[proxyAddresses]', source);
    expect(result).toEqual(['a', 'b']);
    expect(result).not.toBe(source.proxyAddresses);
  });

  it('returns constants, numbers as strings, and booleans as booleans', () => {
    expect(ev('"Chatter Free User"')).toBe('Chatter Free User');
    expect(ev('&HF7')).toBe('247');
    expect(ev('vbTextCompare')).toBe('vbTextCompare');
    expect(ev('[a] = "x"', { a: 'x' })).toBe(true);
    expect(ev('[n] > 10', { n: 9 })).toBe(false);
  });

  it('returns IGNORED when IgnoreFlowIfNullOrEmpty drops the attribute', () => {
    expect(evaluateExpression('IgnoreFlowIfNullOrEmpty([department])', {})).toBe(IGNORED);
  });

  it('refuses a multi-valued attribute where one value is needed', () => {
    const error = evalError('Switch([p], "d", "a", "1")', { p: ['a', 'b'] });
    expect(error.message).toBe('Switch at column 1: expected a single source value but got 2 values');
  });

  it('treats a one-value list as that value and an empty list as null', () => {
    expect(ev('IIF([a]="x","y","n")', { a: ['x'] })).toBe('y');
    expect(ev('Coalesce([a],"d")', { a: [] })).toBe('d');
  });

  it('throws the syntax error of text that does not parse', () => {
    expect(() => evaluateExpression('Mid([a], 1', {})).toThrow(ExpressionSyntaxError);
  });

  it('reports evaluation errors without a column for a hand-built AST', () => {
    const ast: ExpressionAst = {
      type: 'call',
      name: 'Mid',
      args: [
        { type: 'string', value: 'abc' },
        { type: 'number', value: 0 },
        { type: 'number', value: 1 },
      ],
    };
    try {
      evaluateExpression(ast, {});
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ExpressionEvaluationError);
      expect((error as ExpressionEvaluationError).details).toEqual({ function: 'Mid' });
      expect((error as ExpressionEvaluationError).message).toBe(
        'Mid: start is 1-based and must be 1 or more, but was 0',
      );
    }
  });

  it('reports an unknown function in a hand-built AST as an evaluation error', () => {
    const ast: ExpressionAst = { type: 'call', name: 'Frobnicate', args: [] };
    expect(() => evaluateExpression(ast, {})).toThrow('Frobnicate is not supported');
  });

  it('wraps unexpected failures (a clock that throws) as evaluation errors with the cause', () => {
    const cause = new Error('clock broke');
    const error = evalError(
      'Now()',
      {},
      {
        now: () => {
          throw cause;
        },
      },
    );
    expect(error.message).toBe('Now at column 1 failed: clock broke');
    expect(error.cause).toBe(cause);
  });
});

describe('referencedAttributes', () => {
  it('lists each attribute once, in order, first spelling kept', () => {
    expect(referencedAttributes('Join(" ", [givenName], [surname], [GivenName])')).toEqual(['givenName', 'surname']);
    expect(referencedAttributes('IIF([country]="USA",[country],[department])')).toEqual(['country', 'department']);
    expect(referencedAttributes('Guid()')).toEqual([]);
  });
  it("counts an attribute named by string in Replace's replacementAttributeName", () => {
    expect(referencedAttributes('Replace([telephoneNumber], , "(?<p>\\\\d+)", "p", , "mobile", )')).toEqual([
      'telephoneNumber',
      'mobile',
    ]);
  });
  it('accepts an AST', () => {
    expect(referencedAttributes({ type: 'attribute', name: 'mail' })).toEqual(['mail']);
  });
});
