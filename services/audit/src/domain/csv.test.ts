import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvField, formatModified, toCsv } from './csv.ts';
import { type LogRecord, toLogEntry } from './log-entry.ts';

const record: LogRecord = {
  commandId: 'c-1',
  changeId: 'ch-1',
  userId: 'u-1',
  action: 'create',
  status: 'failure',
  cycleId: 'full-1',
  userPrincipalName: 'adele@contoso.com',
  matching: { attribute: 'Username', value: 'adele@contoso.com' },
  salesforceId: null,
  linkedBy: 'none',
  reasons: [{ code: 'in-scope', message: 'Assigned, role "Standard User"' }],
  fields: {},
  modifiedProperties: [
    { name: 'LastName', oldValue: 'Vance', newValue: 'Vance-Smith' },
    { name: 'IsActive', newValue: true },
  ],
  error: {
    code: 'SalesforceDuplicateUserName',
    message: 'Duplicate Username.<br>The username, already exists',
    retriable: false,
    fields: ['Username'],
    recommendedAction: '=HYPERLINK("http://evil")',
  },
  dryRun: false,
  origin: 'sync',
  initiatedBy: null,
  attempt: 1,
  issuedAt: '2026-11-26T11:00:01.400Z',
  startedAt: '2026-11-26T11:00:01.420Z',
  completedAt: '2026-11-26T11:00:01.700Z',
  durationMs: 280,
  activityAt: '2026-11-26T11:00:01.700Z',
  hasCommand: true,
  hasResult: true,
};

describe('csvField', () => {
  it('quotes commas, quotes and line breaks as RFC 4180 says', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(42)).toBe('42');
    expect(csvField(-1)).toBe('-1');
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    expect(csvField('=1+2')).toBe("'=1+2");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('+33 1 23')).toBe("'+33 1 23");
  });
});

describe('toCsv', () => {
  it('writes a header and one CRLF line per entry with the error and the diff', () => {
    const csv = toCsv([toLogEntry(record)]);
    const [header, line, rest] = csv.split('\r\n');
    expect(header).toBe(CSV_COLUMNS.join(','));
    expect(rest).toBe('');
    expect(line).toContain('SalesforceDuplicateUserName');
    expect(line).toContain('"Duplicate Username.<br>The username, already exists"');
    expect(line).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(line).toContain('LastName: Vance → Vance-Smith; IsActive:  → true');
    expect(
      line?.startsWith('2026-11-26T11:00:01.700Z,c-1,ch-1,full-1,create,create,failure,u-1,adele@contoso.com,'),
    ).toBe(true);
  });

  it('is only the header for no entries', () => {
    expect(toCsv([])).toBe(`${CSV_COLUMNS.join(',')}\r\n`);
  });
});

describe('formatModified', () => {
  it('shows arrays and absent values readably', () => {
    expect(formatModified([{ displayName: 'Groups', oldValue: null, newValue: ['a', 'b'] }])).toBe(
      'Groups:  → ["a","b"]',
    );
  });
});
