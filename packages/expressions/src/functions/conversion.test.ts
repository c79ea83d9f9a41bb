import { describe, expect, it } from 'vitest';
import { ev, evalError } from '../test-helpers.ts';

describe('CStr', () => {
  it('writes numbers, booleans and references as text', () => {
    expect(ev('CStr([dn])', { dn: 'cn=Joe,dc=contoso,dc=com' })).toBe('cn=Joe,dc=contoso,dc=com');
    expect(ev('CStr([n])', { n: 42 })).toBe('42');
    expect(ev('CStr([b])', { b: true })).toBe('True');
    expect(ev('CStr(&HF)')).toBe('15');
    expect(ev('CStr([missing])')).toBeNull();
  });
});

describe('BitAnd', () => {
  it('ANDs the bits: BitAnd(&HF, &HF7) is 7 (reference example)', () => {
    expect(ev('BitAnd(&HF, &HF7)')).toBe('7');
  });
  it('reads numeric attributes such as userAccountControl', () => {
    expect(ev('BitAnd([userAccountControl], 2)', { userAccountControl: '514' })).toBe('2');
    expect(ev('IIF(BitAnd([userAccountControl], 2)="2","disabled","enabled")', { userAccountControl: '512' })).toBe(
      'enabled',
    );
    expect(evalError('BitAnd("x", 1)').message).toBe('BitAnd at column 1: expected a whole number but got "x"');
  });
});

describe('ConvertToBase64 and ConvertToUTF8Hex', () => {
  it('encode "Hello world!" as the reference shows', () => {
    expect(ev('ConvertToBase64("Hello world!")')).toBe('SABlAGwAbABvACAAdwBvAHIAbABkACEA');
    expect(ev('ConvertToUTF8Hex("Hello world!")')).toBe('48656C6C6F20776F726C6421');
  });
  it('encode characters beyond ASCII', () => {
    expect(ev('ConvertToUTF8Hex("é€")')).toBe('C3A9E282AC');
    expect(ev('ConvertToBase64("é")')).toBe('6QA=');
  });
  it('build an ID from the object id with digits only (reference example, recomputed)', () => {
    // The reference's sample output does not belong to its sample input; this is what the
    // documented semantics give: UTF-8 hex of each character ("-" is 2D), letters removed.
    expect(
      ev('Join("", 1000, Replace(ConvertToUTF8Hex([objectId]), , "[a-zA-Z_]*", , "", , ))', {
        objectId: '00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
      }),
    ).toBe(
      '1000' +
        '3030616130306161' +
        '2' +
        '62623131' +
        '2' +
        '63633232' +
        '2' +
        '64643333' +
        '2' +
        '343465653434656534346565',
    );
  });
});

describe('InStr', () => {
  it('finds 1-based positions (reference examples)', () => {
    expect(ev('InStr("The quick brown fox","quick")')).toBe('5');
    expect(ev('InStr("repEated","e",3,vbBinaryCompare)')).toBe('7');
  });
  it('ignores case with vbTextCompare and returns 0 when not found', () => {
    expect(ev('InStr("repEated","e",3,vbTextCompare)')).toBe('4');
    expect(ev('InStr("abc","z")')).toBe('0');
    expect(ev('InStr([missing],"z")')).toBe('0');
    expect(ev('InStr("abc","")')).toBe('1');
  });
  it('refuses an unknown compareType and a start below 1', () => {
    expect(evalError('InStr("a","a",1,"loose")').message).toContain('compareType must be');
    expect(evalError('InStr("a","a",0)').message).toContain('start is 1-based');
  });
});

describe('Redact', () => {
  it('passes the value through (the logs hide it)', () => {
    expect(ev('Redact([userPrincipalName])', { userPrincipalName: 'a@b.c' })).toBe('a@b.c');
    expect(ev('Redact("StringToBeRedacted")')).toBe('StringToBeRedacted');
  });
});
