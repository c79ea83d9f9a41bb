import { describe, expect, it } from 'vitest';
import { CliExit } from './io.ts';
import { SettingsReader } from './settings.ts';

const URL_SETTING = { flag: '--audit-url', env: ['AUDIT_URL', 'AUDIT_PUBLIC_URL'] };

describe('SettingsReader', () => {
  it('prefers the flag, then the first variable set; an empty variable counts as unset', () => {
    expect(new SettingsReader({ auditUrl: 'http://flag' }, { AUDIT_URL: 'http://env' }).raw(URL_SETTING)).toBe(
      'http://flag',
    );
    expect(new SettingsReader({}, { AUDIT_URL: '', AUDIT_PUBLIC_URL: 'http://public' }).raw(URL_SETTING)).toBe(
      'http://public',
    );
  });

  it('reports every problem at once as a usage error (exit 2), secrets redacted', () => {
    const reader = new SettingsReader({}, { AUDIT_URL: 'ftp://x', PASSWORD: 'hunter2' });
    reader.url(URL_SETTING, ['http:', 'https:'], true);
    reader.text({ flag: '--password', env: ['PASSWORD'], secret: true });
    reader.problem({ flag: '--password', env: ['PASSWORD'], secret: true }, 'is too short');
    reader.text({ flag: '--username', env: ['USERNAME'] }, 'for --auth password');
    reader.positive({ flag: '--timeout' }, 60);
    let thrown: unknown;
    try {
      reader.done();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(CliExit);
    expect((thrown as CliExit).exitCode).toBe(2);
    expect((thrown as CliExit).message).toBe(
      [
        'error: invalid settings, 3 problems:',
        '  - --audit-url (AUDIT_URL or AUDIT_PUBLIC_URL): expected a URL (http://… or https://…) (got "ftp://x")',
        '  - --password (PASSWORD): is too short (got [redacted])',
        '  - --username (USERNAME): is required for --auth password (not set)',
      ].join('\n'),
    );
  });

  it('returns a URL without its trailing slash', () => {
    expect(new SettingsReader({ auditUrl: 'http://a:1/' }, {}).url(URL_SETTING, ['http:'])).toBe('http://a:1');
  });
});
