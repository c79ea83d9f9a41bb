import { describe, expect, it } from 'vitest';
import { ev, evalError } from '../test-helpers.ts';

// .NET replacement references such as ${name} are not template placeholders here.
const ref = (name: string) => `$\u007b${name}}`;

describe('Replace', () => {
  it('mode 1: replaces every occurrence of oldValue (default LocaleSidKey mapping, case-preserving)', () => {
    const expr = 'Replace([preferredLanguage], "-", , , "_", , )';
    expect(ev(expr, { preferredLanguage: 'en-US' })).toBe('en_US');
    expect(ev(expr, { preferredLanguage: 'EN-US' })).toBe('EN_US');
    expect(
      ev('Replace([BusinessTitle],"Product Developer", , , "Software Engineer", , )', {
        BusinessTitle: 'Product Developer',
      }),
    ).toBe('Software Engineer');
    expect(ev('Replace([mail], "@contoso.com", , ,"", ,)', { mail: 'john.doe@contoso.com' })).toBe('john.doe');
  });
  it('mode 1 is case-sensitive and literal ($ is not special)', () => {
    expect(ev('Replace("aAa", "a", , , "$&", , )')).toBe('$&A$&');
  });
  it('mode 2: puts the source into the template (reference example)', () => {
    expect(ev('Replace([UserID],"<username>", , , , , "<username>@contoso.com")', { UserID: 'jsmith' })).toBe(
      'jsmith@contoso.com',
    );
  });
  it('mode 3: regex replace with .NET named-group references (reference examples)', () => {
    expect(
      ev(
        `Replace([telephoneNumber], , "\\\\+(?<isdCode>\\\\d* )(?<phoneNumber>\\\\d{10})", , "${ref('phoneNumber')}", , )`,
        {
          telephoneNumber: '+91 9998887777',
        },
      ),
    ).toBe('9998887777');
    expect(ev('Replace([mobile], , "[()\\\\s-]+", , "", , )', { mobile: '+1 (999) 888-7777' })).toBe('+19998887777');
    expect(ev('Replace([mailNickname], , "[a-zA-Z_]*", , "", , )', { mailNickname: 'john_doe72' })).toBe('72');
  });
  it('mode 3 expands $1, $$ and $\u007bn} like .NET, leaving unknown groups literal', () => {
    expect(ev(`Replace("ab", , "(a)(b)", , "$2$1 $$ ${ref('1')} $9 ${ref('x')}", , )`)).toBe(`ba $ a $9 ${ref('x')}`);
  });
  it('mode 4: replaces only the named group (reference examples)', () => {
    expect(
      ev('Replace([AddressLineData], ,"(?<streetNumber>^\\\\d*)","streetNumber", "888", , )', {
        AddressLineData: '545 Tremont Street',
      }),
    ).toBe('888 Tremont Street');
    expect(
      ev('Replace([userPrincipalName], , "(?<Suffix>@(.)*)", "Suffix", "", , )', {
        userPrincipalName: 'jsmith@contoso.com',
      }),
    ).toBe('jsmith');
  });
  it('mode 5: keeps the source when it has a value, else extracts the group from the other attribute (reference example)', () => {
    const expr =
      'Replace([telephoneNumber], , "\\\\+(?<isdCode>\\\\d* )(?<phoneNumber>\\\\d{10})", "phoneNumber" , , [mobile], )';
    expect(ev(expr, { telephoneNumber: '', mobile: '+91 8887779999' })).toBe('8887779999');
    expect(ev(expr, { telephoneNumber: '+91 1112223333', mobile: '+91 8887779999' })).toBe('+91 1112223333');
    expect(ev(expr, { mobile: 'none' })).toBeNull();
    expect(ev(expr.replace('[mobile]', '"mobile"'), { mobile: '+91 8887779999' })).toBe('8887779999');
  });
  it('translates .NET-only regex syntax', () => {
    expect(ev('Replace("Abc abc", , "(?i)\\\\Aabc", , "x", , )')).toBe('x abc');
    expect(ev('Replace("ab", , "(?\'first\'a)", "first", "z", , )')).toBe('zb');
  });
  it('replaces each value of a multi-valued source and yields null for an absent one', () => {
    expect(ev('Replace([p], "smtp:", , , "SMTP:", , )', { p: ['smtp:a@x', 'smtp:b@x'] })).toEqual([
      'SMTP:a@x',
      'SMTP:b@x',
    ]);
    expect(ev('Replace([missing], "a", , , "b", , )')).toBeNull();
  });
  it('explains a mode it cannot pick, a bad pattern and an unknown group', () => {
    expect(evalError('Replace([a], , , , "x", , )', { a: 'x' }).message).toBe(
      'Replace at column 1: give oldValue or regexPattern to say what to replace',
    );
    expect(evalError('Replace([a], , "(", , "x", , )', { a: 'x' }).message).toContain(
      'is not a valid regular expression',
    );
    expect(evalError('Replace([a], , "(?<g>a)", "h", "x", , )', { a: 'x' }).message).toContain(
      '"h" is not a named group',
    );
  });
  it("runs the issue's catastrophic pattern on 30 characters without blocking (RE2: linear time)", () => {
    const expr = `Replace([displayName], , "^(?<n>(\\w+\\s?)+)$", , "${ref('n')}", , )`;
    const started = performance.now();
    expect(ev(expr, { displayName: `${'a'.repeat(30)}!` })).toBe(`${'a'.repeat(30)}!`);
    expect(ev(expr, { displayName: 'Ada Lovelace' })).toBe('Ada Lovelace');
    expect(performance.now() - started).toBeLessThan(1000);
  });
  it('fails fast on a risky pattern that only the backtracking engine can run', () => {
    const started = performance.now();
    expect(evalError('Replace([a], , "^(\\w+\\s?)+(?=!)", , "x", , )', { a: `${'a'.repeat(30)}?` }).message).toMatch(
      /regexPattern ".*" is refused: it could take exponential time to match \(nested quantifier/,
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
