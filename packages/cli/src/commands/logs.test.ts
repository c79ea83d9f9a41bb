import { describe, expect, it } from 'vitest';
import { logEntry } from '../../test/service-stubs.ts';
import { parseSince, renderTable } from './logs.ts';

describe('parseSince', () => {
  const now = new Date('2026-11-26T12:00:00.000Z');

  it('reads a duration back from now', () => {
    expect(parseSince('30m', now)).toBe('2026-11-26T11:30:00.000Z');
    expect(parseSince('2h', now)).toBe('2026-11-26T10:00:00.000Z');
    expect(parseSince('7d', now)).toBe('2026-11-19T12:00:00.000Z');
  });

  it('reads a date or a timestamp, and refuses anything else', () => {
    expect(parseSince('2026-11-01', now)).toBe('2026-11-01T00:00:00.000Z');
    expect(parseSince('2026-11-01T08:30:00+01:00', now)).toBe('2026-11-01T07:30:00.000Z');
    expect(parseSince('yesterday', now)).toBeUndefined();
    expect(parseSince('5w', now)).toBeUndefined();
  });
});

describe('renderTable', () => {
  it('aligns the columns and shows the UPN, else the object id', () => {
    const text = renderTable([
      logEntry({ userId: 'u-1', commandId: 'c1', upn: 'ada@contoso.com' }),
      logEntry({ userId: 'u-2', commandId: 'c2', dryRun: true, status: 'skipped', targetIdentity: { id: null } }),
    ] as never);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const column = lines[0]!.indexOf('USER');
    expect(lines[1]!.slice(column).startsWith('ada@contoso.com')).toBe(true);
    expect(lines[2]!.slice(column).startsWith('u-2')).toBe(true);
    expect(lines[2]).toContain('skipped (dry run)');
  });

  it('says when there is nothing', () => {
    expect(renderTable([])).toBe('No entries.\n');
  });
});
