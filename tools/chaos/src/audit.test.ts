import { describe, expect, it } from 'vitest';
import { type AuditEntry, auditCompleteness, entriesByUser, lastEntrySignature } from './audit.ts';

const entry = (over: Partial<AuditEntry> & { commandId: string }): AuditEntry => ({
  changeId: 'c',
  action: 'create',
  status: 'success',
  sourceIdentity: { id: 'u1', userPrincipalName: 'u1@contoso.example' },
  targetIdentity: { id: '005000000000001AAA', linkedBy: 'created' },
  errorInfo: null,
  reasons: [{ code: 'in-scope', message: '' }],
  issuedAt: '2026-12-04T10:00:00.000Z',
  completedAt: '2026-12-04T10:00:01.000Z',
  attempt: 1,
  ...over,
});

describe('the audit side of a chaos run', () => {
  it('counts commands of the topic the log lacks, commands without a result, and results without a command', () => {
    const entries = [
      entry({ commandId: 'a' }),
      entry({ commandId: 'b', status: 'pending', completedAt: null }),
      entry({ commandId: 'c', issuedAt: null }),
    ];
    const result = auditCompleteness(entries, new Set(['a', 'b', 'c', 'd']));
    expect(result).toMatchObject({ commandsOnTopic: 4, notLogged: 1, pending: 1, resultWithoutCommand: 1 });
    expect(result.complete).toBe(false);
    expect(result.examples.notLogged).toEqual(['d']);
    expect(auditCompleteness([entry({ commandId: 'a' })], new Set(['a'])).complete).toBe(true);
  });

  it('is not complete when the topic could not be read', () => {
    const result = auditCompleteness([entry({ commandId: 'a' })], new Error('no broker'));
    expect(result).toMatchObject({ complete: false, commandsOnTopic: null, topicError: 'no broker' });
  });

  it("sums up a user's last entry: the failure's code, or why it was skipped", () => {
    const failed = entry({
      commandId: 'a',
      status: 'failure',
      errorInfo: { errorCode: 'SalesforceUnknown', reason: 'x', recommendedAction: null },
    });
    const skipped = entry({
      commandId: 'b',
      action: 'skip',
      status: 'skipped',
      issuedAt: '2026-12-04T10:00:05.000Z',
      reasons: [
        { code: 'unassigned', message: '' },
        { code: 'not-linked', message: '' },
      ],
    });
    const byUser = entriesByUser([skipped, failed]);
    expect(byUser.get('u1')?.map((e) => e.status)).toEqual(['failure', 'skipped']);
    expect(lastEntrySignature(byUser.get('u1'))).toBe('skip/skipped/unassigned');
    expect(lastEntrySignature(entriesByUser([failed]).get('u1'))).toBe('create/failure/SalesforceUnknown');
    expect(lastEntrySignature(undefined)).toBe('no log entry');
  });
});
