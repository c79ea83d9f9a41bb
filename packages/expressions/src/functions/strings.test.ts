import { describe, expect, it } from 'vitest';
import { ev, evalError } from '../test-helpers.ts';

describe('Append', () => {
  it('appends the Salesforce Sandbox suffix (reference example)', () => {
    expect(ev('Append([userPrincipalName], ".test")', { userPrincipalName: 'John.Doe@contoso.com' })).toBe(
      'John.Doe@contoso.com.test',
    );
  });
  it('yields null for an absent source and appends nothing for an absent suffix', () => {
    expect(ev('Append([missing], ".test")')).toBeNull();
    expect(ev('Append("a", [missing])')).toBe('a');
  });
  it('appends to each value of a multi-valued source', () => {
    expect(ev('Append([p], "!")', { p: ['a', 'b'] })).toEqual(['a!', 'b!']);
  });
  it('composes with Mid to build an alias (reference example)', () => {
    expect(ev('Append(Mid([givenName], 1, 3), Mid([surname], 1, 5))', { givenName: 'John', surname: 'Doe' })).toBe(
      'JohDoe',
    );
  });
});

describe('Mid', () => {
  it('is 1-based: the default Alias mapping takes the first 8 characters of the UPN', () => {
    expect(ev('Mid([userPrincipalName], 1, 8)', { userPrincipalName: 'john.doe@contoso.com' })).toBe('john.doe');
    expect(ev('Mid("abcdef", 2, 3)')).toBe('bcd');
  });
  it('returns to the end when length overruns, and "" when start is past the end', () => {
    expect(ev('Mid("abc", 2, 10)')).toBe('bc');
    expect(ev('Mid("abc", 5, 2)')).toBe('');
  });
  it('refuses a start below 1 and a negative length', () => {
    const error = evalError('Mid("abc", 0, 2)');
    expect(error.message).toBe('Mid at column 1: start is 1-based and must be 1 or more, but was 0');
    expect(error.details).toEqual({ function: 'Mid', column: 1 });
    expect(evalError('Append("x", Mid("abc", 1, -1))').details).toEqual({ function: 'Mid', column: 13 });
  });
  it('accepts numeric strings as positions and yields null for an absent source', () => {
    expect(ev('Mid("abcdef", "2", [n])', { n: '2' })).toBe('bc');
    expect(ev('Mid([missing], 1, 8)')).toBeNull();
    expect(evalError('Mid("abc", "x", 1)').message).toContain('expected a whole-number start position but got "x"');
  });
});

describe('Left', () => {
  it('follows every documented case', () => {
    expect(ev('Left("John Doe", 3)')).toBe('Joh');
    expect(ev('Left("John Doe", 0)')).toBe('');
    expect(ev('Left("John Doe", -1)')).toBe('John Doe');
    expect(ev('Left([missing], 3)')).toBe('');
    expect(ev('Left("Jo", 3)')).toBe('Jo');
  });
});

describe('ToLower / ToUpper', () => {
  it('lower-cases a generated UPN (reference example)', () => {
    expect(
      ev(
        'ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".",  [PreferredFirstName], [PreferredLastName]))), "contoso.com"))',
        {
          PreferredFirstName: 'John',
          PreferredLastName: 'Smith',
        },
      ),
    ).toBe('john.smith@contoso.com');
  });
  it('uses the invariant culture by default and the given culture otherwise', () => {
    expect(ev('ToUpper("istanbul")')).toBe('ISTANBUL');
    expect(ev('ToUpper("istanbul", "tr-TR")')).toBe('İSTANBUL');
    expect(ev('ToLower("TITLE", "en-US")')).toBe('title');
  });
  it('refuses a malformed culture name', () => {
    expect(evalError('ToLower("x", "not a culture")').message).toContain('is not a culture name');
  });
});

describe('Trim and StripSpaces', () => {
  it('Trim removes surrounding white space only (a Provision extension)', () => {
    expect(ev('Trim("  a b \t")')).toBe('a b');
  });
  it('StripSpaces removes every space character and nothing else', () => {
    expect(ev('StripSpaces(" J o\th n ")')).toBe('Jo\thn');
  });
});

describe('NormalizeDiacritics', () => {
  it('normalizes "Zoë" (reference example) and the table\'s multi-letter rows', () => {
    expect(ev('NormalizeDiacritics([givenName])', { givenName: 'Zoë' })).toBe('Zoe');
    expect(ev('NormalizeDiacritics("Æsa Øyvind Œ̄ ß Łódź İlker ı")')).toBe('AEsa OEyvind OE ss Lodz Ilker i');
  });
  it('matches decomposed input and letters with several marks', () => {
    expect(ev('NormalizeDiacritics([s])', { s: 'Zoe\u0308 a\u0304\u0301' })).toBe('Zoe a');
  });
  it('keeps characters outside the table', () => {
    expect(ev('NormalizeDiacritics("Ŵales 東京")')).toBe('Ŵales 東京');
  });
});

describe('Join', () => {
  it('skips empty values: Join(", ", "", [surname], [givenName]) is "Doe, John" (reference example)', () => {
    expect(ev('Join(", ", "", [surname], [givenName])', { givenName: 'John', surname: 'Doe' })).toBe('Doe, John');
  });
  it('expands multi-valued sources and skips absent ones', () => {
    expect(ev('Join(";", [a], [missing], [b])', { a: ['x', '', 'y'], b: 'z' })).toBe('x;y;z');
  });
  it('writes numbers as digits and yields null when nothing is left', () => {
    expect(ev('Join("", 1000, "-", [id])', { id: '42' })).toBe('1000-42');
    expect(ev('Join(",", [missing], "")')).toBeNull();
  });
});

describe('Split', () => {
  it('splits into a multi-valued result (reference example: pieces trimmed)', () => {
    expect(
      ev('Split([extensionAttribute5], ",")', { extensionAttribute5: 'PermissionSetOne, PermissionSetTwo' }),
    ).toEqual(['PermissionSetOne', 'PermissionSetTwo']);
  });
  it('drops empty pieces and yields null for an absent source', () => {
    expect(ev('Split("a,,b,", ",")')).toEqual(['a', 'b']);
    expect(ev('Split([missing], ",")')).toBeNull();
  });
});

describe('PCase', () => {
  it('uses .NET ToTitleCase word rules without separators (reference examples)', () => {
    expect(ev('PCase([firstName])', { firstName: 'PABLO GONSALVES (SECOND)' })).toBe('Pablo Gonsalves (Second)');
    expect(ev('PCase(Join(" ",[firstName],[lastName]))', { firstName: 'GREGORY', lastName: 'JAMES' })).toBe(
      'Gregory James',
    );
  });
  it('uses only the given separators (reference example)', () => {
    expect(ev('PCase([lastName]," \'-")', { lastName: "PINTO-DE'SILVA" })).toBe("Pinto-De'Silva");
    expect(ev('PCase("ANNE-MARIE SMITH", " ")')).toBe('Anne-marie Smith');
  });
  it('treats punctuation and symbols as separators but not an apostrophe inside a word', () => {
    expect(ev('PCase("jean-luc o\'neil_x+y")')).toBe("Jean-Luc O'neil_X+Y");
    expect(ev('PCase("3rd floor")')).toBe('3Rd Floor');
  });
});

describe('Word', () => {
  it('returns the n-th word (reference examples)', () => {
    expect(ev('Word("The quick brown fox",3," ")')).toBe('brown');
    expect(ev('Word("This,string!has&many separators",3,",!&#")')).toBe('has');
  });
  it('returns "" for n < 1, an absent string or too few words', () => {
    expect(ev('Word("a b", 0, " ")')).toBe('');
    expect(ev('Word([missing], 1, " ")')).toBe('');
    expect(ev('Word("a b", 3, " ")')).toBe('');
  });
});
