import { describe, expect, it } from 'vitest';
import { IGNORED } from '../evaluator.ts';
import { ev, evalError } from '../test-helpers.ts';

describe('IIF', () => {
  it('chooses by the condition (reference example)', () => {
    const expr = 'IIF([country]="USA",[country],[department])';
    expect(ev(expr, { country: 'USA', department: 'Sales' })).toBe('USA');
    expect(ev(expr, { country: 'FR', department: 'Sales' })).toBe('Sales');
    expect(ev('IIF([country]="FR","fr-FR","en-US")', { country: 'FR' })).toBe('fr-FR');
  });
  it('chains for AND and OR (reference examples)', () => {
    const and = 'IIF([country]="USA",IIF([state]="CA","True","False"),"False")';
    const or = 'IIF([country]="USA","True",IIF([state]="CA","True","False"))';
    expect(ev(and, { country: 'USA', state: 'CA' })).toBe('True');
    expect(ev(and, { country: 'USA', state: 'WA' })).toBe('False');
    expect(ev(or, { country: 'FR', state: 'CA' })).toBe('True');
  });
  it('supports every comparison operator', () => {
    const source = { n: '10' };
    expect(ev('IIF([n]<>"10","y","n")', source)).toBe('n');
    expect(ev('IIF([n]>9,"y","n")', source)).toBe('y');
    expect(ev('IIF([n]>="10","y","n")', source)).toBe('y');
    expect(ev('IIF([n]<"9","y","n")', source)).toBe('n');
    expect(ev('IIF([n]<=10,"y","n")', source)).toBe('y');
  });
  it('compares text case-sensitively', () => {
    expect(ev('IIF([country]="usa","y","n")', { country: 'USA' })).toBe('n');
  });
  it('fails when an attribute of the condition is empty or absent, as documented', () => {
    for (const expr of [
      'IIF([country]="","Other",[country])',
      'IIF(IsNullOrEmpty([country]),"Other",[country])',
      'IIF(IsPresent([country]),[country],"Other")',
    ]) {
      const error = evalError(expr, { country: '' });
      expect(error.details).toEqual({ function: 'IIF', column: 1 });
      expect(error.message).toContain('reads [country], which is empty or absent');
      expect(error.message).toContain('Switch([country]');
      expect(evalError(expr, {}).code).toBe('PRV_EXPRESSION_EVALUATION');
    }
  });
  it('evaluates only the branch it takes', () => {
    expect(ev('IIF([a]="x","ok",Mid("abc", 0, 1))', { a: 'x' })).toBe('ok');
  });
  it('accepts True/False values as the condition and refuses others', () => {
    expect(ev('IIF([flag],"y","n")', { flag: true })).toBe('y');
    expect(ev('IIF(Not([flag]),"y","n")', { flag: 'True' })).toBe('n');
    expect(evalError('IIF([a],"y","n")', { a: 'maybe' }).message).toBe(
      'IIF at column 1: expected a condition that is True or False but got "maybe"',
    );
  });
  it('compares booleans with True/False text and dates as instants', () => {
    expect(ev('IIF([IsSoftDeleted]="true","gone","here")', { IsSoftDeleted: true })).toBe('gone');
  });
});

describe('Switch', () => {
  it('maps a state to a time zone (reference example)', () => {
    const expr =
      'Switch([state], "Australia/Sydney", "NSW", "Australia/Sydney","QLD", "Australia/Brisbane", "SA", "Australia/Adelaide")';
    expect(ev(expr, { state: 'QLD' })).toBe('Australia/Brisbane');
    expect(ev(expr, { state: 'WA' })).toBe('Australia/Sydney');
  });
  it('compares case-sensitively (reference note) — ToLower normalizes first', () => {
    expect(ev('Switch([statusFlag], "default", "true", "1")', { statusFlag: 'True' })).toBe('default');
    expect(ev('Switch(ToLower([statusFlag]), "0", "true", "1", "false", "0")', { statusFlag: 'TRUE' })).toBe('1');
  });
  it('matches an empty or absent source with the key "" (reference examples)', () => {
    expect(ev('Switch([statusFlag], "Default Value", "true", "1", "", "0")', { statusFlag: '' })).toBe('0');
    expect(ev('Switch([country],[country],"","Other")', {})).toBe('Other');
    expect(ev('Switch([country],[country],"","Other")', { country: 'FR' })).toBe('FR');
  });
  it('yields null when nothing matches and the default is omitted', () => {
    expect(ev('Switch([Active], , "1", "True", "0", "False")', { Active: '2' })).toBeNull();
    expect(ev('Switch([Active], , "1", "True", "0", "False")', { Active: '0' })).toBe('False');
  });
  it('feeds IgnoreFlowIfNullOrEmpty (reference example)', () => {
    const expr = 'IgnoreFlowIfNullOrEmpty(Switch([prefix], "", "3443", "Dr.", "3444", "Prof.", "3445", "Prof. Dr."))';
    expect(ev(expr, { prefix: '3444' })).toBe('Prof.');
    expect(ev(expr, { prefix: '9' })).toBe(IGNORED);
  });
});

describe('Not', () => {
  it('flips "True"/"False" and booleans; anything else is not True, so yields True', () => {
    expect(ev('Not([IsSoftDeleted])', { IsSoftDeleted: 'True' })).toBe(false);
    expect(ev('Not([IsSoftDeleted])', { IsSoftDeleted: 'False' })).toBe(true);
    expect(ev('Not([IsSoftDeleted])', { IsSoftDeleted: true })).toBe(false);
    expect(ev('Not([IsSoftDeleted])', { IsSoftDeleted: false })).toBe(true);
    expect(ev('Not([IsSoftDeleted])', {})).toBe(true);
    expect(ev('Not("yes")')).toBe(true);
    expect(ev('Not("TRUE")')).toBe(false);
  });
});

describe('Coalesce', () => {
  it('flows mail, else userPrincipalName (reference example)', () => {
    expect(ev('Coalesce([mail],[userPrincipalName])', { userPrincipalName: 'John.Doe@contoso.com' })).toBe(
      'John.Doe@contoso.com',
    );
    expect(ev('Coalesce([mail],[userPrincipalName])', { mail: 'j@c.com', userPrincipalName: 'x' })).toBe('j@c.com');
  });
  it('returns the default when all sources are null, else null; "" counts as a value', () => {
    expect(ev('Coalesce([a],[b],"none")')).toBe('none');
    expect(ev('Coalesce([a],[b])')).toBeNull();
    expect(ev('Coalesce([a],"x")', { a: '' })).toBe('');
    expect(ev('Coalesce([a],"x")', { a: [] })).toBe('x');
  });
});

describe('IsNull / IsNullOrEmpty / IsPresent / IsString', () => {
  it('tells absent from empty from present', () => {
    expect([ev('IsNull([a])'), ev('IsNull([a])', { a: '' }), ev('IsNull([a])', { a: 'x' })]).toEqual([
      true,
      false,
      false,
    ]);
    expect([
      ev('IsNullOrEmpty([a])'),
      ev('IsNullOrEmpty([a])', { a: '' }),
      ev('IsNullOrEmpty([a])', { a: 'x' }),
    ]).toEqual([true, true, false]);
    expect([ev('IsPresent([a])'), ev('IsPresent([a])', { a: '' }), ev('IsPresent([a])', { a: 'x' })]).toEqual([
      false,
      false,
      true,
    ]);
    expect([ev('IsString([a])'), ev('IsString([a])', { a: '' }), ev('IsString([a])', { a: true })]).toEqual([
      false,
      true,
      false,
    ]);
  });
  it('drives Switch over several managers (reference example)', () => {
    const expr =
      'Switch(IsPresent([directManager]),[directManager], IsPresent([skiplevelManager]),[skiplevelManager], IsPresent([director]),[director])';
    expect(ev(expr, { directManager: 'dm' })).toBe('dm');
  });
});

describe('CBool', () => {
  it('is True for non-zero and True, False otherwise', () => {
    expect(ev('CBool([attribute1] = [attribute2])', { attribute1: 'a', attribute2: 'a' })).toBe(true);
    expect(ev('CBool([attribute1] = [attribute2])', { attribute1: 'a', attribute2: 'b' })).toBe(false);
    expect([ev('CBool(5)'), ev('CBool("0")'), ev('CBool("true")'), ev('CBool([missing])')]).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect(evalError('CBool("abc")').details.function).toBe('CBool');
  });
});

describe('IgnoreFlowIfNullOrEmpty', () => {
  it('drops the attribute when its value is null or empty, wherever it is nested', () => {
    expect(ev('IgnoreFlowIfNullOrEmpty([department])')).toBe(IGNORED);
    expect(ev('IgnoreFlowIfNullOrEmpty([department])', { department: '' })).toBe(IGNORED);
    expect(ev('IgnoreFlowIfNullOrEmpty([department])', { department: [] })).toBe(IGNORED);
    expect(ev('IgnoreFlowIfNullOrEmpty([department])', { department: 'Sales' })).toBe('Sales');
    expect(ev('Append(IgnoreFlowIfNullOrEmpty([department]), "!")')).toBe(IGNORED);
  });
});
