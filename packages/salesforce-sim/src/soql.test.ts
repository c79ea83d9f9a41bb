import { describe, expect, it } from 'vitest';
import { describeSoqlPosition, likeToRegExp, parseSoql, SoqlSyntaxError } from './soql.ts';

describe('parseSoql', () => {
  it('parses fields, relationship paths, WHERE with AND/OR/parentheses, ORDER BY and LIMIT', () => {
    const q = parseSoql(
      "SELECT Id, Profile.Name FROM User WHERE (IsActive = true OR Username LIKE 'a%') AND Id IN ('005A', '005B') ORDER BY Username DESC NULLS LAST LIMIT 10 OFFSET 5",
    );
    expect(q.select).toEqual([
      { path: 'Id', pos: 7 },
      { path: 'Profile.Name', pos: 11 },
    ]);
    expect(q.from.name).toBe('User');
    expect(q.where).toMatchObject({
      kind: 'and',
      terms: [
        {
          kind: 'or',
          terms: [
            { kind: 'compare', op: '=', value: true },
            { kind: 'like', pattern: 'a%' },
          ],
        },
        { kind: 'in', negated: false, values: ['005A', '005B'] },
      ],
    });
    expect(q.orderBy).toMatchObject([{ field: { path: 'Username' }, descending: true, nullsLast: true }]);
    expect(q.limit).toBe(10);
    expect(q.offset).toBe(5);
  });

  it('reads keywords case-insensitively, <> as !=, NOT IN, null, numbers and escaped quotes', () => {
    const q = parseSoql("select id from user where name <> null and x not in (1, 2.5) and y = 'O\\'Brien'");
    expect(q.where).toMatchObject({
      kind: 'and',
      terms: [
        { kind: 'compare', op: '!=', value: null },
        { kind: 'in', negated: true, values: [1, 2.5] },
        { kind: 'compare', value: "O'Brien" },
      ],
    });
  });

  it('parses COUNT()', () => {
    expect(parseSoql('SELECT COUNT() FROM User').select).toBe('count');
  });

  it('refuses AND and OR mixed without parentheses, as SOQL does', () => {
    expect(() => parseSoql('SELECT Id FROM User WHERE A = 1 AND B = 2 OR C = 3')).toThrow(/unexpected token: 'OR'/);
  });

  it('reports the position of the first bad token', () => {
    try {
      parseSoql('SELECT Id FRM User');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SoqlSyntaxError);
      expect((error as SoqlSyntaxError).pos).toBe(10);
    }
    expect(() => parseSoql("SELECT Id FROM User WHERE Username = 'open")).toThrow(SoqlSyntaxError);
    expect(() => parseSoql('SELECT FROM User')).toThrow(SoqlSyntaxError);
    expect(() => parseSoql('SELECT Id FROM User LIMIT x')).toThrow(SoqlSyntaxError);
  });
});

describe('likeToRegExp', () => {
  it('treats % and _ as wildcards, case-insensitively, and escaped ones literally', () => {
    expect(likeToRegExp('jo%').test('JOHN')).toBe(true);
    expect(likeToRegExp('j_hn').test('john')).toBe(true);
    expect(likeToRegExp('j_hn').test('jhn')).toBe(false);
    const literal = parseSoql("SELECT Id FROM User WHERE Name LIKE '100\\%'").where as { pattern: string };
    expect(likeToRegExp(literal.pattern).test('100%')).toBe(true);
    expect(likeToRegExp(literal.pattern).test('1000')).toBe(false);
  });
});

describe('describeSoqlPosition', () => {
  it('formats the Salesforce error text with the statement, a caret, row and column', () => {
    expect(describeSoqlPosition('SELECT Foo FROM User', 7, 'No such column')).toBe(
      '\nSELECT Foo FROM User\n       ^\nERROR at Row:1:Column:8\nNo such column',
    );
  });
});
