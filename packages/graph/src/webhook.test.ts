import { describe, expect, it } from 'vitest';
import {
  answerValidation,
  clientStateMatches,
  distinctLifecycleEvents,
  notificationItems,
  type ScreenOptions,
  screenNotifications,
  toChangeNotice,
  toLifecycleNotice,
} from './webhook.ts';

describe('answerValidation', () => {
  it('echoes the decoded validation token as text/plain', () => {
    const query = new URLSearchParams('validationToken=Validation%3A%20Testing%20client');
    expect(answerValidation(query)).toEqual({
      status: 200,
      contentType: 'text/plain; charset=utf-8',
      body: 'Validation: Testing client',
    });
    expect(answerValidation({ validationToken: 'abc' })?.body).toBe('abc');
  });

  it('is no answer without a token, and a 400 for an empty, repeated or overlong one', () => {
    expect(answerValidation({})).toBeUndefined();
    expect(answerValidation(undefined)).toBeUndefined();
    expect(answerValidation(new URLSearchParams('x=1'))).toBeUndefined();
    expect(answerValidation({ validationToken: '' })?.status).toBe(400);
    expect(answerValidation({ validationToken: ['a', 'b'] })?.status).toBe(400);
    expect(answerValidation({ validationToken: 'x'.repeat(1025) })?.status).toBe(400);
    expect(answerValidation({ validationToken: 'x'.repeat(1024) })?.status).toBe(200);
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

describe('notificationItems', () => {
  it('keeps the object items of a collection and counts all of them', () => {
    expect(notificationItems({ value: [{ a: 1 }, null, 7, [1]] })).toEqual({ items: [{ a: 1 }], total: 4 });
  });

  it('is undefined for a body that is not a collection', () => {
    expect(notificationItems('junk')).toBeUndefined();
    expect(notificationItems({ value: {} })).toBeUndefined();
    expect(notificationItems([{ value: [] }])).toBeUndefined();
  });
});

describe('screenNotifications', () => {
  const item = (overrides: Record<string, unknown> = {}) => ({
    subscriptionId: 's1',
    clientState: 'ok',
    tenantId: 'TENANT',
    changeType: 'updated',
    ...overrides,
  });
  const options = (overrides: Partial<ScreenOptions> = {}): ScreenOptions => ({
    clientState: 'ok',
    tenantId: 'tenant',
    ownsSubscription: async (id) => id === 's1',
    ...overrides,
  });

  it('accepts our clientState, tenant (any case) and subscription; rejects a wrong clientState; the rest is unknown', async () => {
    const items = [
      item(),
      item({ clientState: 'forged' }),
      item({ clientState: undefined }),
      item({ tenantId: 'other' }),
      item({ subscriptionId: 's2' }),
      item({ subscriptionId: undefined }),
    ];
    const screened = await screenNotifications(items, items.length + 1, options());
    expect(screened.accepted).toEqual([item()]);
    expect(screened.rejected).toBe(3);
    expect(screened.unknown).toEqual([
      { subscriptionId: 's1', tenantId: 'other' },
      { subscriptionId: 's2', tenantId: 'TENANT' },
      { subscriptionId: '', tenantId: 'TENANT' },
    ]);
  });

  it('screens an authentic item whose tenant is any JSON value, one without a usable toString included', async () => {
    const items = [
      item({ tenantId: [{ toString: 0 }] }),
      item({ tenantId: { toString: {}, valueOf: {} } }),
      item({ tenantId: 42 }),
      item(),
    ];
    const screened = await screenNotifications(items, items.length, options());
    expect(screened.accepted).toEqual([item()]);
    expect(screened.unknown).toEqual([
      { subscriptionId: 's1', tenantId: '[{"toString":0}]' },
      { subscriptionId: 's1', tenantId: '{"toString":{},"valueOf":{}}' },
      { subscriptionId: 's1', tenantId: '42' },
    ]);
  });

  it('rejects everything without a clientState and knows nothing without a tenant', async () => {
    const noSecret = await screenNotifications([item()], 1, options({ clientState: undefined }));
    expect(noSecret).toEqual({ accepted: [], rejected: 1, unknown: [] });
    const noTenant = await screenNotifications([item()], 1, options({ tenantId: undefined }));
    expect(noTenant.unknown).toHaveLength(1);
  });

  it('asks once per distinct subscription, and takes one it cannot tell about as not ours', async () => {
    const asked: string[] = [];
    const failures: string[] = [];
    const screened = await screenNotifications(
      [item(), item(), item({ subscriptionId: 's3' })],
      3,
      options({
        ownsSubscription: async (id) => {
          asked.push(id);
          if (id === 's3') throw new Error('store down');
          return true;
        },
        onOwnershipError: (_error, id) => failures.push(id),
      }),
    );
    expect(asked).toEqual(['s1', 's3']);
    expect(failures).toEqual(['s3']);
    expect(screened.accepted).toHaveLength(2);
    expect(screened.unknown).toEqual([{ subscriptionId: 's3', tenantId: 'TENANT' }]);
  });
});

describe('distinctLifecycleEvents', () => {
  it('keeps one of each event and subscription, and sets unknown events apart', () => {
    const items = [
      ...Array.from({ length: 50 }, () => ({ subscriptionId: 's1', lifecycleEvent: 'subscriptionRemoved' })),
      { subscriptionId: 's1', lifecycleEvent: 'missed' },
      { subscriptionId: 's2', lifecycleEvent: 'missed' },
      { subscriptionId: 's1', lifecycleEvent: 'somethingNew' },
    ];
    expect(distinctLifecycleEvents(items)).toEqual({
      known: [
        { event: 'subscriptionRemoved', subscriptionId: 's1' },
        { event: 'missed', subscriptionId: 's1' },
        { event: 'missed', subscriptionId: 's2' },
      ],
      unknown: [{ event: 'somethingNew', subscriptionId: 's1' }],
    });
  });
});

describe('toChangeNotice and toLifecycleNotice', () => {
  it('read a user change, a group change and a lifecycle event', () => {
    const user = {
      subscriptionId: 's1',
      changeType: 'updated',
      clientState: 'ok',
      resource: 'Users/u1',
      tenantId: 't',
      resourceData: { '@odata.type': '#Microsoft.Graph.User', id: 'u1', sequenceNumber: 3 },
    };
    const group = { subscriptionId: 's1', changeType: 'deleted', resource: 'Groups/g1', resourceData: { id: 'g1' } };
    const lifecycle = { subscriptionId: 's1', lifecycleEvent: 'missed', subscriptionExpirationDateTime: '2030-01-01' };
    expect(toChangeNotice(user)).toEqual({
      subscriptionId: 's1',
      changeType: 'updated',
      resourceKind: 'user',
      id: 'u1',
      resource: 'Users/u1',
      tenantId: 't',
      sequenceNumber: 3,
    });
    expect(toChangeNotice(group)).toMatchObject({ resourceKind: 'group', id: 'g1', tenantId: null });
    expect(toChangeNotice(lifecycle)).toBeUndefined();
    expect(toChangeNotice({ ...user, changeType: 'exploded' })).toBeUndefined();
    expect(toLifecycleNotice(lifecycle)).toEqual({
      subscriptionId: 's1',
      lifecycleEvent: 'missed',
      subscriptionExpirationDateTime: '2030-01-01',
    });
    expect(toLifecycleNotice(user)).toBeUndefined();
  });
});
