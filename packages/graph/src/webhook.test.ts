import { describe, expect, it } from 'vitest';
import { answerValidation, clientStateMatches, parseNotifications, renewalDue } from './webhook.ts';

describe('answerValidation', () => {
  it('echoes the decoded validation token as text/plain', () => {
    const query = new URLSearchParams('validationToken=Validation%3A%20Testing%20client');
    expect(answerValidation(query)).toEqual({
      status: 200,
      contentType: 'text/plain; charset=utf-8',
      body: 'Validation: Testing client',
    });
    expect(answerValidation({})).toBeUndefined();
  });
});

describe('clientStateMatches', () => {
  it('accepts the same secret and refuses others, whatever their length or type', () => {
    expect(clientStateMatches('s3cret', 's3cret')).toBe(true);
    expect(clientStateMatches('s3cret', 's3cre')).toBe(false);
    expect(clientStateMatches('s3cret', undefined)).toBe(false);
    expect(clientStateMatches('s3cret', 42)).toBe(false);
  });
});

describe('parseNotifications', () => {
  it('splits changes and lifecycle events and drops items with a wrong clientState', () => {
    const body = {
      value: [
        {
          subscriptionId: 's1',
          changeType: 'updated',
          clientState: 'ok',
          resource: 'Users/u1',
          tenantId: 't',
          resourceData: { '@odata.type': '#Microsoft.Graph.User', id: 'u1', sequenceNumber: 3 },
        },
        {
          subscriptionId: 's1',
          changeType: 'deleted',
          clientState: 'ok',
          resource: 'Groups/g1',
          resourceData: { id: 'g1' },
        },
        { subscriptionId: 's1', changeType: 'updated', clientState: 'forged', resource: 'Users/u2' },
        {
          subscriptionId: 's1',
          clientState: 'ok',
          lifecycleEvent: 'missed',
          subscriptionExpirationDateTime: '2030-01-01T00:00:00Z',
        },
      ],
    };
    const parsed = parseNotifications(body, 'ok');
    expect(parsed.rejected).toBe(1);
    expect(parsed.changes).toEqual([
      {
        subscriptionId: 's1',
        changeType: 'updated',
        resourceKind: 'user',
        id: 'u1',
        resource: 'Users/u1',
        tenantId: 't',
        sequenceNumber: 3,
      },
      {
        subscriptionId: 's1',
        changeType: 'deleted',
        resourceKind: 'group',
        id: 'g1',
        resource: 'Groups/g1',
        tenantId: null,
        sequenceNumber: null,
      },
    ]);
    expect(parsed.lifecycle).toEqual([
      { subscriptionId: 's1', lifecycleEvent: 'missed', subscriptionExpirationDateTime: '2030-01-01T00:00:00Z' },
    ]);
  });

  it('yields nothing for a body that is not a notification collection', () => {
    expect(parseNotifications('junk', 'ok')).toEqual({ changes: [], lifecycle: [], rejected: 0 });
    expect(parseNotifications({ value: [null, 7] }, 'ok').rejected).toBe(2);
  });
});

describe('renewalDue', () => {
  it('is due inside the margin or for an unreadable date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(renewalDue('2026-01-01T01:00:00Z', now, 2 * 3600_000)).toBe(true);
    expect(renewalDue('2026-01-10T00:00:00Z', now, 2 * 3600_000)).toBe(false);
    expect(renewalDue('nonsense', now, 0)).toBe(true);
  });
});
