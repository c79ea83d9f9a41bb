import { describe, expect, it } from 'vitest';
import { salesforceError } from './classify.ts';
import { InMemorySalesforceGateway } from './in-memory-gateway.ts';

const user = (n: number, extra: Record<string, unknown> = {}) => ({
  Username: `u${n}@x.example.com`,
  LastName: 'L',
  Email: `u${n}@x.example.com`,
  Alias: 'a',
  TimeZoneSidKey: 'GMT',
  LocaleSidKey: 'en_US',
  EmailEncodingKey: 'UTF-8',
  LanguageLocaleKey: 'en_US',
  ProfileName: 'Standard User',
  ...extra,
});

describe('InMemorySalesforceGateway', () => {
  it('creates, finds, updates and deactivates users, freeing licences', async () => {
    const gw = new InMemorySalesforceGateway({
      profiles: [{ name: 'Standard User', licence: 'Salesforce', total: 1 }],
    });
    const [a, b] = await gw.createUsers([user(1), user(2)]);
    expect(a).toMatchObject({ ok: true });
    expect(b).toMatchObject({ ok: false, error: { code: 'SalesforceLicenseLimitExceeded' } });
    const [found] = await gw.findUsers('Username', ['U1@X.EXAMPLE.COM']);
    expect(found).toMatchObject({ username: 'u1@x.example.com', profileName: 'Standard User', isActive: true });
    await gw.deactivateUsers([found!.id]);
    expect((await gw.listProfiles())[0]).toMatchObject({ licencesUsed: 0, licencesRemaining: 1 });
    expect(await gw.createUsers([user(2)])).toMatchObject([{ ok: true }]);
    expect(gw.usage().calls).toBe(5);
  });

  it('applies the rules that matter: required fields, unique usernames, known profiles', async () => {
    const gw = new InMemorySalesforceGateway({ takenUsernames: ['taken@x.example.com'] });
    const results = await gw.createUsers([
      user(1, { Alias: '' }),
      user(2, { Username: 'TAKEN@x.example.com' }),
      user(3, { ProfileName: 'Nope' }),
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'SalesforceRequiredFieldMissing',
      'SalesforceDuplicateUserName',
      'SalesforceUnknownProfile',
    ]);
  });

  it('injects whole-call and per-record failures', async () => {
    const gw = new InMemorySalesforceGateway();
    gw.failNext('createUsers', salesforceError('SalesforceRequestLimitExceeded', 'TotalRequests Limit exceeded.'));
    expect(await gw.createUsers([user(1), user(2)])).toMatchObject([
      { ok: false, error: { code: 'SalesforceRequestLimitExceeded', retriable: true } },
      { ok: false, error: { code: 'SalesforceRequestLimitExceeded' } },
    ]);
    gw.failRecords((r) =>
      r['Username'] === 'u2@x.example.com' ? salesforceError('SalesforceValueTooLong', 'too long') : undefined,
    );
    expect((await gw.createUsers([user(1), user(2)])).map((r) => r.ok)).toEqual([true, false]);
    gw.failNext('findUsers', salesforceError('SalesforceNetworkError', 'socket hang up'));
    await expect(gw.findUsers('Username', ['u1@x.example.com'])).rejects.toMatchObject({ retriable: true });
  });
});
