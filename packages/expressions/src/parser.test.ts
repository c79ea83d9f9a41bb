import { describe, expect, it } from 'vitest';
import { columnOf } from './ast.ts';
import { ExpressionSyntaxError } from './errors.ts';
import { parseExpression } from './parser.ts';
import { printExpression } from './printer.ts';

function syntaxError(text: string): ExpressionSyntaxError {
  try {
    parseExpression(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionSyntaxError);
    return error as ExpressionSyntaxError;
  }
  throw new Error(`expected ${text} not to parse`);
}

describe('parseExpression', () => {
  it('parses the default Salesforce mappings', () => {
    expect(parseExpression('Mid([userPrincipalName], 1, 8)')).toEqual({
      type: 'call',
      name: 'Mid',
      args: [
        { type: 'attribute', name: 'userPrincipalName' },
        { type: 'number', value: 1 },
        { type: 'number', value: 8 },
      ],
    });
    expect(parseExpression('Not([IsSoftDeleted])')).toEqual({
      type: 'call',
      name: 'Not',
      args: [{ type: 'attribute', name: 'IsSoftDeleted' }],
    });
  });

  it('keeps omitted optional arguments in place', () => {
    const ast = parseExpression('Replace([preferredLanguage], "-", , , "_", , )');
    expect(ast.type === 'call' && ast.args.map((a) => a.type)).toEqual([
      'attribute',
      'string',
      'omitted',
      'omitted',
      'string',
      'omitted',
      'omitted',
    ]);
  });

  it('unescapes \\" and \\\\ in strings and keeps other backslashes', () => {
    expect(parseExpression('Append("Company name: \\"Contoso\\"", "\\\\")')).toEqual({
      type: 'call',
      name: 'Append',
      args: [
        { type: 'string', value: 'Company name: "Contoso"' },
        { type: 'string', value: '\\' },
      ],
    });
    expect(parseExpression('"\\d+"')).toEqual({ type: 'string', value: '\\d+' });
  });

  it('reads hex, negative and decimal numbers', () => {
    expect(parseExpression('BitAnd(&HF, &HF7)')).toEqual({
      type: 'call',
      name: 'BitAnd',
      args: [
        { type: 'number', value: 15 },
        { type: 'number', value: 247 },
      ],
    });
    expect(parseExpression('DateAdd("d", -10, Now())')).toMatchObject({
      args: [{}, { type: 'number', value: -10 }, {}],
    });
    expect(parseExpression('1.5')).toEqual({ type: 'number', value: 1.5 });
    expect(parseExpression('-0')).toEqual({ type: 'number', value: 0 });
  });

  it('reads enum identifiers case-insensitively into their canonical spelling', () => {
    expect(parseExpression('InStr("repEated", "e", 3, vbbinarycompare)')).toMatchObject({
      args: [{}, {}, {}, { type: 'enum', name: 'vbBinaryCompare' }],
    });
  });

  it('accepts function names in any case and stores the canonical name', () => {
    expect(parseExpression('iif([a]="x", "y", "z")')).toMatchObject({ type: 'call', name: 'IIF' });
    expect(parseExpression('TOLOWER([a])')).toMatchObject({ name: 'ToLower' });
  });

  it('parses IIF comparisons with every documented operator', () => {
    for (const op of ['=', '<>', '>', '>=', '<', '<=']) {
      expect(parseExpression(`IIF([country]${op}"USA",[country],[department])`)).toMatchObject({
        args: [{ type: 'comparison', operator: op, left: { name: 'country' }, right: { value: 'USA' } }, {}, {}],
      });
    }
    expect(parseExpression('IIF(DateDiff("d", Now(), CDate([StatusHireDate])) > 5, "False", "True")')).toMatchObject({
      args: [{ type: 'comparison', operator: '>', left: { name: 'DateDiff' }, right: { value: 5 } }, {}, {}],
    });
  });

  it('parses multi-line nested expressions from the reference', () => {
    const text = `Switch([Active], ,
  "1", IIF(DateDiff("d", Now(), CDate([StatusHireDate])) > 5, "False", "True"),
  "0", "False")`;
    expect(parseExpression(text)).toMatchObject({ name: 'Switch' });
    expect(
      parseExpression('Join("", 1000, Replace(ConvertToUTF8Hex([objectId]), , "[a-zA-Z_]*", , "", , ))'),
    ).toMatchObject({
      name: 'Join',
    });
  });

  it('accepts a lone attribute or constant as a whole expression', () => {
    expect(parseExpression('  [mail]  ')).toEqual({ type: 'attribute', name: 'mail' });
    expect(parseExpression('"Chatter Free User"')).toEqual({ type: 'string', value: 'Chatter Free User' });
  });

  it('records the column of each node aside from the AST', () => {
    const ast = parseExpression('Append([a], Mid([b], 1, 2))');
    expect(columnOf(ast)).toBe(1);
    expect(ast.type === 'call' && ast.args.map((a) => columnOf(a))).toEqual([8, 13]);
  });
});

describe('parseExpression errors', () => {
  it('names the column and what was expected when a call is not closed', () => {
    const error = syntaxError('Mid([userPrincipalName], 1, 8');
    expect(error.message).toBe('Expected "," or ")" at column 30 but found end of expression');
    expect(error.details).toEqual({ column: 30, expected: '"," or ")"', found: 'end of expression' });
    expect(error.code).toBe('PRV_EXPRESSION_SYNTAX');
  });

  it('reports an unterminated string and where it started', () => {
    const error = syntaxError('Append([a], "abc)');
    expect(error.details.column).toBe(18);
    expect(error.message).toContain('starts at column 13');
  });

  it('reports an unclosed attribute bracket', () => {
    expect(syntaxError('Append([mail, "x")').details).toMatchObject({
      column: 19,
      expected: '"]" to close the attribute name',
    });
    expect(syntaxError('[]').details).toMatchObject({ column: 2, expected: 'an attribute name' });
  });

  it('reports unknown functions and bare names', () => {
    expect(syntaxError('Foo([a])').message).toBe('Unknown function "Foo" at column 1');
    expect(syntaxError('IFF([a]="x", "y", "z")').message).toBe(
      'Unknown function "IFF" at column 1; did you mean "IIF"?',
    );
    expect(syntaxError('Append([a], ToLowr([b]))').message).toBe(
      'Unknown function "ToLowr" at column 13; did you mean "ToLower"?',
    );
    expect(syntaxError('Append([a], \u201cx\u201d)').message).toBe(
      'Unexpected "\u201c" at column 13; use straight double quotes (") around strings',
    );
    expect(syntaxError('Append(mail, "x")').message).toContain('Unknown name "mail" at column 8');
    expect(syntaxError('Append([a], Guid)').message).toBe('Expected "(" after Guid at column 17 but found ")"');
  });

  it('reports wrong argument counts with the signature', () => {
    const error = syntaxError('Mid([a], 1)');
    expect(error.message).toBe('Mid at column 1 takes 3 arguments but got 2: Mid(source, start, length)');
    expect(error.details).toEqual({ column: 1, expected: '3 arguments', found: '2' });
    expect(syntaxError('Append([a], Now(1))').details.column).toBe(13);
    expect(syntaxError('Join(",")').message).toContain('at least 2 arguments');
    expect(syntaxError('Switch([a], "d", "k")').message).toContain('in pairs');
  });

  it('refuses an omitted required argument', () => {
    const error = syntaxError('Mid([a], , 3)');
    expect(error.message).toBe('Mid needs its "start" argument (argument 2) at column 10');
  });

  it('refuses chained comparisons and misplaced operators', () => {
    expect(syntaxError('IIF([a]=[b]=[c], "x", "y")').message).toBe('Expected "," or ")" at column 12 but found "="');
    expect(syntaxError('[a] = "x" = "y"').message).toContain('cannot be chained');
    expect(syntaxError('= "x"').message).toBe(
      'Expected an attribute, a string, a number or a function at column 1 but found "="',
    );
  });

  it('refuses empty text, stray characters and trailing input', () => {
    expect(syntaxError('').message).toBe(
      'Expected an attribute, a string, a number or a function at column 1 but found end of expression',
    );
    expect(syntaxError('Append([a], "x") ;').message).toBe('Unexpected ";" at column 18');
    expect(syntaxError('[a] [b]').message).toBe('Expected end of expression at column 5 but found attribute [b]');
    expect(syntaxError('&HZ').details.expected).toBe('a hex number such as &HF7');
  });

  it('refuses SelectUniqueValue anywhere but at the top', () => {
    expect(parseExpression('SelectUniqueValue([a], [b])')).toMatchObject({ name: 'SelectUniqueValue' });
    expect(syntaxError('ToLower(SelectUniqueValue([a], [b]))').message).toContain('cannot be nested');
  });

  it('refuses expressions longer than Entra allows and nesting deeper than the limit', () => {
    expect(syntaxError(`"${'x'.repeat(10_000)}"`).message).toContain('at most 10000');
    expect(syntaxError(`${'Trim('.repeat(300)}[a]${')'.repeat(300)}`).message).toContain('nested more than 200');
  });
});

describe('printExpression', () => {
  it('prints canonical text that parses back to the same AST', () => {
    const text = 'replace([preferredLanguage],"-",,,"_",,)';
    const printed = printExpression(parseExpression(text));
    expect(printed).toBe('Replace([preferredLanguage], "-", , , "_", , )');
    expect(parseExpression(printed)).toEqual(parseExpression(text));
  });

  it('escapes quotes and backslashes and spaces comparisons', () => {
    expect(printExpression(parseExpression('IIF([a]="say \\"hi\\" \\\\",&H10,vbTextCompare)'))).toBe(
      'IIF([a] = "say \\"hi\\" \\\\", 16, vbTextCompare)',
    );
  });
});
