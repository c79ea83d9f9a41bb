import { describe, expect, it } from 'vitest';
import { ev, evalError } from '../test-helpers.ts';

const now = () => new Date('2021-07-02T15:33:38Z');

describe('CDate', () => {
  it('returns the UTC equivalent as M/d/yyyy h:mm:ss tt (reference examples)', () => {
    expect(ev('CDate([StatusHireDate])', { StatusHireDate: '2020-03-16-07:00' })).toBe('3/16/2020 7:00:00 AM');
    expect(ev('CDate("2021-06-30+08:00")')).toBe('6/29/2021 4:00:00 PM');
    expect(ev('CDate("2009-06-15T01:45:30-07:00")')).toBe('6/15/2009 8:45:30 AM');
  });
  it('reads its own output format, compact ISO, and takes a missing offset as UTC', () => {
    expect(ev('CDate("8/25/2021 5:41:18 PM")')).toBe('8/25/2021 5:41:18 PM');
    expect(ev('CDate("2021-08-24")')).toBe('8/24/2021 12:00:00 AM');
    expect(ev('CDate("20150123105347Z")')).toBe('1/23/2015 10:53:47 AM');
    expect(ev('CDate("2020-12-31 23:59:59-08:00")')).toBe('1/1/2021 7:59:59 AM');
  });
  it('yields null for an absent attribute and fails on text that is not a date', () => {
    expect(ev('CDate([missing])')).toBeNull();
    expect(evalError('CDate("tomorrow")').message).toContain('expected a date such as');
    expect(evalError('CDate("2021-02-30")').message).toBe(
      'CDate at column 1: got "2021-02-30", which is not a date that exists',
    );
  });
});

describe('Now', () => {
  it('formats the injected clock in UTC (reference example value)', () => {
    expect(ev('Now()', {}, { now })).toBe('7/2/2021 3:33:38 PM');
  });
  it('prints midnight and noon in 12-hour form', () => {
    expect(ev('Now()', {}, { now: () => new Date('2021-01-05T00:05:09Z') })).toBe('1/5/2021 12:05:09 AM');
    expect(ev('Now()', {}, { now: () => new Date('2021-01-05T12:00:00Z') })).toBe('1/5/2021 12:00:00 PM');
  });
});

describe('DateAdd', () => {
  it('adds the documented intervals to a hire date (reference table)', () => {
    const source = { StatusHireDate: '2012-03-16-07:00' };
    expect(ev('DateAdd("d", 7, CDate([StatusHireDate]))', source)).toBe('3/23/2012 7:00:00 AM');
    expect(ev('DateAdd("d", -10, CDate([StatusHireDate]))', source)).toBe('3/6/2012 7:00:00 AM');
    expect(ev('DateAdd("ww", 2, CDate([StatusHireDate]))', source)).toBe('3/30/2012 7:00:00 AM');
    expect(ev('DateAdd("m", 10, CDate([StatusHireDate]))', source)).toBe('1/16/2013 7:00:00 AM');
    expect(ev('DateAdd("yyyy", 2, CDate([StatusHireDate]))', source)).toBe('3/16/2014 7:00:00 AM');
  });
  it('adds hours, minutes and seconds, and clamps months like .NET AddMonths', () => {
    expect(ev('DateAdd("h", 25, "2021-01-01T00:00:00Z")')).toBe('1/2/2021 1:00:00 AM');
    expect(ev('DateAdd("n", -1, "2021-01-01T00:00:00Z")')).toBe('12/31/2020 11:59:00 PM');
    expect(ev('DateAdd("s", 90, "2021-01-01T00:00:00Z")')).toBe('1/1/2021 12:01:30 AM');
    expect(ev('DateAdd("m", 1, "2021-01-31")')).toBe('2/28/2021 12:00:00 AM');
    expect(ev('DateAdd("yyyy", 1, "2020-02-29")')).toBe('2/28/2021 12:00:00 AM');
  });
  it('refuses an unknown interval and dates past year 9999', () => {
    expect(evalError('DateAdd("x", 1, Now())', {}, { now }).message).toContain('interval must be one of');
    expect(evalError('DateAdd("yyyy", 9000, Now())', {}, { now }).message).toContain('outside the years 1 to 9999');
  });
});

describe('DateDiff', () => {
  it('matches every row of the reference table', () => {
    const rows: [string, string, string, string][] = [
      ['d', '2021-08-18+08:00', '2021-08-31+08:00', '13'],
      ['d', '8/25/2021 5:41:18 PM', '2012-03-16-07:00', '-3449'],
      ['ww', '8/25/2021 5:41:18 PM', '2012-03-16-07:00', '-493'],
      ['m', '8/25/2021 5:41:18 PM', '2012-03-16-07:00', '-113'],
      ['yyyy', '8/25/2021 5:41:18 PM', '2012-03-16-07:00', '-9'],
      ['d', '2021-08-31+08:00', '2021-08-31+08:00', '0'],
      ['h', '2021-08-24', '2021-08-25', '24'],
      ['n', '2021-08-24', '2021-08-25', '1440'],
      ['s', '2021-08-24', '2021-08-25', '86400'],
    ];
    for (const [interval, date1, date2, expected] of rows) {
      expect(
        ev(`DateDiff("${interval}", CDate([d1]), CDate([d2]))`, { d1: date1, d2: date2 }),
        `${interval} ${date1} ${date2}`,
      ).toBe(expected);
    }
  });
  it('drives an IIF on the hire date (reference example 2)', () => {
    const expr =
      'Switch([Active], , "1", IIF(DateDiff("d", Now(), CDate([StatusHireDate])) > 5, "False", "True"), "0", "False")';
    expect(ev(expr, { Active: '1', StatusHireDate: '2021-07-05T00:00:00Z' }, { now })).toBe('True');
    expect(ev(expr, { Active: '1', StatusHireDate: '2021-08-05T00:00:00Z' }, { now })).toBe('False');
    expect(ev(expr, { Active: '0', StatusHireDate: '2021-08-05T00:00:00Z' }, { now })).toBe('False');
  });
});

describe('DateFromNum and NumFromDate', () => {
  it('reads an AD date: 129699324000000000 is January 1, 2012 at 11:00 PM (reference example)', () => {
    expect(ev('DateFromNum(129699324000000000)')).toBe('1/1/2012 11:00:00 PM');
    expect(ev('DateFromNum([lastLogonTimestamp])', { lastLogonTimestamp: '129699324000000000' })).toBe(
      '1/1/2012 11:00:00 PM',
    );
  });
  it('writes an AD date for accountExpires (reference Workday example)', () => {
    const expr =
      'NumFromDate(Join("", FormatDateTime([ContractEndDate], ,"yyyy-MM-ddzzz", "yyyy-MM-dd"), " 23:59:59-08:00"))';
    expect(ev(expr, { ContractEndDate: '2020-12-31-08:00' })).toBe('132539615990000000');
  });
  it('round-trips through each other', () => {
    expect(ev('NumFromDate(DateFromNum("132539615990000000"))')).toBe('132539615990000000');
  });
  it('refuses what is not an AD date number', () => {
    expect(evalError('DateFromNum("abc")').message).toContain('expected an AD date number');
    expect(evalError('DateFromNum("922337203685477580700")').message).toContain('outside the years 1 to 9999');
  });
});

describe('FormatDateTime', () => {
  it('converts between .NET formats (reference example)', () => {
    expect(
      ev('FormatDateTime([extensionAttribute1], , "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")', {
        extensionAttribute1: '20150123105347.1Z',
      }),
    ).toBe('2015-01-23');
  });
  it('reads the SuccessFactors form M/d/yyyy hh:mm:ss tt (reference example)', () => {
    expect(
      ev('FormatDateTime([endDate], ,"M/d/yyyy hh:mm:ss tt","yyyy-MM-dd")', { endDate: '7/4/2023 09:15:00 PM' }),
    ).toBe('2023-07-04');
  });
  it('writes names, 12/24-hour clocks, fractions, quoted literals and standard formats', () => {
    const source = { d: '2021-06-05T14:07:09.1234Z' };
    const fmt = (out: string) => ev(`FormatDateTime([d], , "yyyy-MM-ddTHH:mm:ss.FFFFFFFK", "${out}")`, source);
    expect(fmt("dddd, MMMM d 'at' h:mm tt")).toBe('Saturday, June 5 at 2:07 PM');
    expect(fmt('ddd dd MMM yy HH:mm:ss.fff')).toBe('Sat 05 Jun 21 14:07:09.123');
    expect(fmt('s')).toBe('2021-06-05T14:07:09');
    expect(fmt('o')).toBe('2021-06-05T14:07:09.1230000Z');
    expect(fmt('yyyyMMdd\\Z')).toBe('20210605Z');
  });
  it('converts a parsed offset to UTC', () => {
    expect(ev('FormatDateTime("2021-06-05 23:30 +02:00", , "yyyy-MM-dd HH:mm zzz", "yyyy-MM-dd HH:mm")')).toBe(
      '2021-06-05 21:30',
    );
  });
  it('formats a date value without parsing it, and ignores surrounding white space by default', () => {
    expect(ev('FormatDateTime(Now(), , "ignored", "yyyy")', {}, { now })).toBe('2021');
    expect(ev('FormatDateTime("  2021-01-02  ", , "yyyy-MM-dd", "M/d")')).toBe('1/2');
    expect(evalError('FormatDateTime(" 2021-01-02", "None", "yyyy-MM-dd", "M/d")').message).toContain(
      'does not match inputFormat',
    );
  });
  it('explains a source that does not match and an unknown style', () => {
    expect(evalError('FormatDateTime("2021-13-01", , "yyyy-MM-dd", "M/d")').message).toBe(
      'FormatDateTime at column 1: source "2021-13-01" does not match inputFormat "yyyy-MM-dd"',
    );
    expect(evalError('FormatDateTime("2021-01-01", "Sideways", "yyyy-MM-dd", "M/d")').message).toContain(
      'not a .NET DateTimeStyles value',
    );
    expect(ev('FormatDateTime([missing], , "yyyy", "yyyy")')).toBeNull();
  });
});
