import { isProvisionError } from '@provision/errors';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, parseCommandId, parseLimit, parseLogQuery } from './log-query.ts';

function badParameter(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (isProvisionError(error) && error.code === 'PRV_BAD_REQUEST') return String(error.details.parameter);
    throw error;
  }
  return undefined;
}

describe('parseLogQuery', () => {
  it('applies defaults when nothing is given', () => {
    expect(parseLogQuery({})).toEqual({ limit: 50, format: 'json' });
  });

  it('reads every filter, comma lists and normalised timestamps', () => {
    const q = parseLogQuery({
      status: 'failure,warning',
      action: 'create',
      userId: 'u-1',
      changeId: 'ch-1',
      commandId: 'c-1',
      errorCode: 'SalesforceDuplicateUserName',
      from: '2026-11-26',
      to: '2026-11-26T12:00:00+01:00',
      limit: '10',
    });
    expect(q).toEqual({
      status: ['failure', 'warning'],
      action: ['create'],
      userId: 'u-1',
      changeId: 'ch-1',
      commandId: 'c-1',
      errorCode: 'SalesforceDuplicateUserName',
      from: '2026-11-26T00:00:00.000Z',
      to: '2026-11-26T11:00:00.000Z',
      limit: 10,
      format: 'json',
    });
  });

  it('names the parameter that is wrong', () => {
    expect(badParameter(() => parseLogQuery({ status: 'failed' }))).toBe('status');
    expect(badParameter(() => parseLogQuery({ action: 'delete' }))).toBe('action');
    expect(badParameter(() => parseLogQuery({ limit: '0' }))).toBe('limit');
    expect(badParameter(() => parseLogQuery({ limit: '1001' }))).toBe('limit');
    expect(badParameter(() => parseLogQuery({ limit: 'ten' }))).toBe('limit');
    expect(badParameter(() => parseLogQuery({ from: 'yesterday' }))).toBe('from');
    expect(badParameter(() => parseLogQuery({ to: '2026-13-45' }))).toBe('to');
    expect(badParameter(() => parseLogQuery({ from: '2026-11-27', to: '2026-11-26' }))).toBe('from');
    expect(badParameter(() => parseLogQuery({ cursor: 'not-a-cursor' }))).toBe('cursor');
    expect(badParameter(() => parseLogQuery({ userId: ['a', 'b'] }))).toBe('userId');
    expect(badParameter(() => parseLogQuery({ userId: '' }))).toBe('userId');
    expect(badParameter(() => parseLogQuery({ stauts: 'failure' }))).toBe('stauts');
    expect(badParameter(() => parseLogQuery({ format: 'xml' }))).toBe('format');
    expect(badParameter(() => parseLogQuery({ from: '0000-01-01' }))).toBe('from');
    expect(badParameter(() => parseLogQuery({ to: '9999-12-31T23:00:00-05:00' }))).toBe('to');
    expect(badParameter(() => parseLogQuery({ changeId: 'a\u0000b' }))).toBe('changeId');
  });

  it('allows larger pages for CSV exports', () => {
    expect(parseLogQuery({ format: 'csv' }).limit).toBe(10_000);
    expect(parseLogQuery({ format: 'csv', limit: '50000' }).limit).toBe(50_000);
    expect(badParameter(() => parseLogQuery({ limit: '50000' }))).toBe('limit');
  });
});

describe('cursors', () => {
  it('round-trip through their opaque URL-safe form', () => {
    const cursor = { activityAt: '2026-11-26T11:00:01.610Z', commandId: 'c/1+2' };
    const encoded = encodeCursor(cursor);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(encoded)).toEqual(cursor);
    expect(parseLogQuery({ cursor: encoded }).cursor).toEqual(cursor);
  });

  it('refuses well-formed base64 that is not one of ours', () => {
    const forged = Buffer.from(JSON.stringify(['not a date', 'x'])).toString('base64url');
    expect(badParameter(() => decodeCursor(forged))).toBe('cursor');
  });

  it('refuses a cursor whose command id holds a NUL (PostgreSQL text cannot), naming the cursor', () => {
    const forged = encodeCursor({ activityAt: '2026-11-26T11:00:01.610Z', commandId: 'a\u0000b' });
    expect(badParameter(() => decodeCursor(forged))).toBe('cursor');
    expect(() => parseLogQuery({ cursor: forged })).toThrow(/'cursor': its command id must not contain a NUL/);
  });

  it('passes on only a time PostgreSQL reads: ISO-8601, normalised to UTC, years 0001 to 9999', () => {
    const at = (activityAt: string) => decodeCursor(encodeCursor({ activityAt, commandId: 'c-1' })).activityAt;
    expect(at('2026-11-26T12:00:01.610+01:00')).toBe('2026-11-26T11:00:01.610Z');
    // Date.parse takes each of these; PostgreSQL would fail the query on it.
    for (const odd of ['2026-11-26\u0000', '1', 'Thu Nov 26 2026', '0000-01-01', '9999-12-31T23:00:00-05:00']) {
      expect(
        badParameter(() => at(odd)),
        odd,
      ).toBe('cursor');
    }
  });
});

describe('parseCommandId', () => {
  it('returns the id as given, empty or blank too (no command has it: a 404)', () => {
    expect(parseCommandId({ commandId: ' c/1 ' })).toBe(' c/1 ');
    expect(parseCommandId({ commandId: '' })).toBe('');
  });

  it('refuses a NUL anywhere in the id with a 400 naming the path parameter', () => {
    for (const commandId of ['\u0000', 'a\u0000b']) {
      expect(badParameter(() => parseCommandId({ commandId }))).toBe('commandId');
    }
    expect(() => parseCommandId({ commandId: '\u0000' })).toThrow(
      /^Path parameter 'commandId': must not contain a NUL/,
    );
  });
});

describe('parseLimit', () => {
  it('defaults, bounds and refuses unknown parameters', () => {
    expect(parseLimit({}, ['limit'])).toBe(50);
    expect(parseLimit({ limit: '5' }, ['limit'])).toBe(5);
    expect(badParameter(() => parseLimit({ limit: '-1' }, ['limit']))).toBe('limit');
    expect(badParameter(() => parseLimit({ page: '2' }, ['limit']))).toBe('page');
  });
});
