import { describe, expect, it } from 'vitest';
import { buildDigest, type FailureItem, USERS_PER_CODE } from './digest.ts';

const failure = (n: number, code: string, extra: Partial<FailureItem> = {}): FailureItem => ({
  commandId: `c-${code}-${n}`,
  userId: `u-${n}`,
  userPrincipalName: `user${n}@contoso.com`,
  action: 'create',
  errorCode: code,
  reason: 'Duplicate Username.<br>The username already exists.',
  recommendedAction: `Fix ${code}`,
  completedAt: `2026-11-26T11:00:${String(10 + n).padStart(2, '0')}.000Z`,
  ...extra,
});

describe('buildDigest', () => {
  it('sends nothing when nothing failed', () => {
    expect(buildDigest([])).toBeNull();
  });

  it('groups failures by error code, most frequent first, with users, reasons and advice', () => {
    const email = buildDigest(
      [
        failure(1, 'SalesforceLicenseLimitExceeded'),
        failure(2, 'SalesforceDuplicateUserName'),
        failure(3, 'SalesforceDuplicateUserName', { userPrincipalName: null }),
      ],
      'http://audit.example/',
    );
    expect(email?.subject).toBe(
      '[Provision] 3 provisioning failures (SalesforceDuplicateUserName ×2, SalesforceLicenseLimitExceeded ×1)',
    );
    const text = email?.text ?? '';
    expect(text.indexOf('SalesforceDuplicateUserName — 2 failures')).toBeLessThan(
      text.indexOf('SalesforceLicenseLimitExceeded — 1 failure'),
    );
    expect(text).toContain('Recommended action: Fix SalesforceDuplicateUserName');
    expect(text).toContain('- user2@contoso.com (u-2), create: Duplicate Username. The username already exists.');
    expect(text).toContain('- u-3 (u-3), create:');
    expect(text).toContain('between 2026-11-26T11:00:11.000Z and 2026-11-26T11:00:13.000Z');
    expect(text).toContain('Provisioning log: http://audit.example/');
    expect(text).not.toContain('<br>');
  });

  it('lists a bounded number of users per code and counts the rest', () => {
    const many = Array.from({ length: USERS_PER_CODE + 5 }, (_, i) => failure(i, 'SalesforceLicenseLimitExceeded'));
    const text = buildDigest(many)?.text ?? '';
    expect(text.match(/^ {2}- /gm)).toHaveLength(USERS_PER_CODE);
    expect(text).toContain('… and 5 more');
  });
});
