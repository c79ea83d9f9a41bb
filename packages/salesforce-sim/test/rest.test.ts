import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceSim } from '../src/index.ts';
import { adminConnection, caught, startSim, userRecord } from './helpers.ts';

describe.each([{ https: false }, { https: true }])('REST API through jsforce (https: $https)', ({ https }) => {
  let sim: SalesforceSim;
  let conn: Connection;

  beforeAll(async () => {
    sim = await startSim({ https });
    conn = await adminConnection(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('lists the API versions without a session', async () => {
    const versions = await conn.request<{ version: string; url: string }[]>('/services/data');
    expect(versions).toContainEqual({ label: "Winter '25", url: '/services/data/v62.0', version: '62.0' });
  });

  it('creates, reads and updates a single User; delete is refused', async () => {
    const created = await conn.sobject('User').create(userRecord(sim));
    expect(created).toMatchObject({ success: true, errors: [] });
    const id = (created as { id: string }).id;
    const read = await conn.sobject('User').retrieve(id);
    expect(read).toMatchObject({ Id: id, IsActive: true, UserType: 'CsnOnly', attributes: { type: 'User' } });
    await conn.sobject('User').update({ Id: id, Title: 'Engineer' });
    expect(await conn.sobject('User').retrieve(id)).toMatchObject({ Title: 'Engineer' });
    const error = await caught(() => conn.sobject('User').destroy(id));
    expect(error.name).toBe('METHOD_NOT_ALLOWED');
  });

  it('answers a single create that breaks rules with the REST error array', async () => {
    const error = await caught(() => conn.sobject('User').create(userRecord(sim, { Alias: 'much-too-long' })));
    expect(error).toMatchObject({
      name: 'STRING_TOO_LONG',
      message: 'Alias: data value too large: much-too-long (max length=8)',
      data: { fields: ['Alias'] },
    });
  });

  it('creates through Collections with results in request order and per-record errors', async () => {
    const records = [
      userRecord(sim),
      userRecord(sim, { TimeZoneSidKey: 'Mars/Olympus' }),
      userRecord(sim, { Email: undefined, Alias: undefined }),
      userRecord(sim, { Username: 'not-an-email' }),
      userRecord(sim),
    ];
    records[4]!.Username = records[0]!.Username;
    const results = await conn.sobject('User').create(records, { allOrNone: false });
    expect(results[0]).toMatchObject({ success: true });
    expect(results.slice(1).map((r) => (r.success ? 'ok' : r.errors[0]))).toEqual([
      {
        statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        message: 'Time Zone: bad value for restricted picklist field: Mars/Olympus',
        fields: ['TimeZoneSidKey'],
      },
      {
        statusCode: 'REQUIRED_FIELD_MISSING',
        message: 'Required fields are missing: [Email, Alias]',
        fields: ['Email', 'Alias'],
      },
      {
        statusCode: 'FIELD_INTEGRITY_EXCEPTION',
        message: 'Username must be in the form of an email address (for example, john@acme.com): Username',
        fields: ['Username'],
      },
      expect.objectContaining({ statusCode: 'DUPLICATE_USERNAME', fields: ['Username'] }),
    ]);
  });

  it('takes ProfileId on the User, not a profile name', async () => {
    const { ProfileId, ...rest } = userRecord(sim);
    const error = await caught(() => conn.sobject('User').create({ ...rest, ProfileName: 'Standard User' }));
    expect(error).toMatchObject({
      name: 'INVALID_FIELD',
      message: "No such column 'ProfileName' on sobject of type User",
    });
    const [result] = await conn.sobject('User').create([{ ...rest, ProfileId: '00e000000000000AAA' }]);
    expect(result).toMatchObject({
      success: false,
      errors: [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', fields: ['ProfileId'] }],
    });
    expect(ProfileId).toMatch(/^00e/);
  });

  it('rolls every record back under allOrNone and says so on the good ones', async () => {
    const good = userRecord(sim);
    const results = await conn.sobject('User').create([good, userRecord(sim, { LastName: null })], { allOrNone: true });
    expect(results[0]).toMatchObject({ success: false, errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK' }] });
    expect(results[1]).toMatchObject({ success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING' }] });
    expect(sim.admin.users(sim.orgId, { username: String(good.Username) })).toEqual([]);
  });

  it('updates through Collections, keeping ids on failures', async () => {
    const [a, b] = await conn.sobject('User').create([userRecord(sim), userRecord(sim)]);
    const results = await conn.sobject('User').update([
      { Id: a!.id!, Department: 'R&D' },
      { Id: b!.id!, LocaleSidKey: 'EN_US' },
    ]);
    expect(results[0]).toMatchObject({ id: a!.id, success: true });
    expect(results[1]).toMatchObject({
      id: b!.id,
      success: false,
      errors: [{ statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST' }],
    });
  });

  it('retrieves many records in one call, null for unknown ids', async () => {
    const [a] = await conn.sobject('User').create([userRecord(sim)]);
    const records = await conn
      .sobject('User')
      .retrieve([a!.id!, '005000000000000AAA'], { fields: ['Username', 'IsActive'] });
    expect(records[0]).toEqual({
      attributes: expect.any(Object),
      Username: expect.stringMatching(/@sim-test/),
      IsActive: true,
    });
    expect(records[1]).toBeNull();
  });

  it('refuses more than 200 records with EXCEEDED_ID_LIMIT', async () => {
    const records = Array.from({ length: 201 }, () => userRecord(sim));
    const error = await caught(() => conn.sobject('User').create(records));
    expect(error).toMatchObject({
      name: 'EXCEEDED_ID_LIMIT',
      message: 'record limit reached. cannot submit more than 200 records into this call',
    });
  });

  it('keeps a changed email pending until it is confirmed through the admin API', async () => {
    const created = await conn.sobject('User').create(userRecord(sim));
    const id = (created as { id: string }).id;
    const before = (await conn.sobject('User').retrieve(id)) as { Email: string };
    await conn.sobject('User').update({ Id: id, Email: 'new.address@sim-test.example.com' });
    expect(await conn.sobject('User').retrieve(id)).toMatchObject({ Email: before.Email });
    expect(sim.admin.user(sim.orgId, id).pendingEmail).toBe('new.address@sim-test.example.com');
    sim.admin.confirmEmailChange(sim.orgId, id);
    expect(await conn.sobject('User').retrieve(id)).toMatchObject({ Email: 'new.address@sim-test.example.com' });
  });

  it('describes User with its restricted locale picklists', async () => {
    const describe = await conn.sobject('User').describe();
    const field = (name: string) => describe.fields.find((f) => f.name === name)!;
    for (const name of ['TimeZoneSidKey', 'LocaleSidKey', 'LanguageLocaleKey', 'EmailEncodingKey']) {
      expect(field(name)).toMatchObject({ type: 'picklist', restrictedPicklist: true });
    }
    expect(field('LocaleSidKey').picklistValues!.map((p) => p.value)).toContain('en_US');
    expect(field('EmailEncodingKey').picklistValues!.map((p) => p.value)).toEqual(
      expect.arrayContaining(['UTF-8', 'ISO-8859-1']),
    );
    expect(field('Username')).toMatchObject({ length: 80, nillable: false });
    expect(describe.deletable).toBe(false);
  });

  it('queries with relationship fields, IN, LIKE, OR in parentheses, ORDER BY and LIMIT', async () => {
    const result = await conn.query<{ Name: string; UserLicense: { Name: string } }>(
      "SELECT Name, UserLicense.Name FROM Profile WHERE (Name LIKE 'Chatter%' OR Name = 'System Administrator') AND Name != 'Chatter Moderator User' ORDER BY Name LIMIT 3",
    );
    expect(result.records.map((r) => [r.Name, r.UserLicense.Name])).toEqual([
      ['Chatter External User', 'Chatter External'],
      ['Chatter Free User', 'Chatter Free'],
      ['System Administrator', 'Salesforce'],
    ]);
  });

  it('pages query results through nextRecordsUrl of the form /services/data/vXX.X/query/<locator>', async () => {
    await conn.sobject('User').create(Array.from({ length: 200 }, () => userRecord(sim)));
    await conn.sobject('User').create(Array.from({ length: 200 }, () => userRecord(sim)));
    const first = await conn.request<{ totalSize: number; done: boolean; nextRecordsUrl: string; records: unknown[] }>({
      method: 'GET',
      url: `/query?q=${encodeURIComponent('SELECT Id FROM User')}`,
      headers: { 'Sforce-Query-Options': 'batchSize=200' },
    });
    expect(first.done).toBe(false);
    expect(first.records).toHaveLength(200);
    expect(first.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g[\w-]+-200$/);
    const all = await conn.query('SELECT Id, Username FROM User', { autoFetch: true, maxFetch: 100_000 });
    expect(all.records.length).toBe(first.totalSize);
    const more = await conn.queryMore(first.nextRecordsUrl);
    expect(more.records).toHaveLength(200);
  });

  it('answers malformed queries and requests with the errors Salesforce gives', async () => {
    expect(await caught(() => conn.query('SELECT Id FROM User WHERE'))).toMatchObject({ name: 'MALFORMED_QUERY' });
    expect(await caught(() => conn.query('SELECT Nope FROM User'))).toMatchObject({ name: 'INVALID_FIELD' });
    expect(await caught(() => conn.query('SELECT Id FROM Nope'))).toMatchObject({ name: 'INVALID_TYPE' });
    expect(await caught(() => conn.query("SELECT Id FROM User WHERE IsActive = 'yes'"))).toMatchObject({
      name: 'INVALID_QUERY_FILTER_OPERATOR',
    });
    expect(await caught(() => conn.queryMore('/services/data/v62.0/query/01gNOPE-2000'))).toMatchObject({
      name: 'INVALID_QUERY_LOCATOR',
    });
    const badJson = await caught(() =>
      conn.request({
        method: 'POST',
        url: '/composite/sobjects',
        body: '{"records": [',
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect(badJson).toMatchObject({ name: 'JSON_PARSER_ERROR' });
    const unknownField = await caught(() => conn.sobject('User').create(userRecord(sim, { Shoe_Size__c: 42 })));
    expect(unknownField).toMatchObject({
      name: 'INVALID_FIELD',
      message: "No such column 'Shoe_Size__c' on sobject of type User",
    });
    const wrongType = await caught(() => conn.sobject('User').create(userRecord(sim, { IsActive: 'sometimes' })));
    expect(wrongType).toMatchObject({ name: 'JSON_PARSER_ERROR' });
    expect(await caught(() => conn.request('/sobjects/User/005000000000000AAA'))).toMatchObject({ name: 'NOT_FOUND' });
  });

  it('counts API usage in /limits and in Sforce-Limit-Info on every response', async () => {
    const limits = await conn.limits();
    const seen = conn.limitInfo.apiUsage!;
    expect(limits.DailyApiRequests!.Max).toBe(seen.limit);
    expect(limits.DailyApiRequests!.Remaining).toBe(seen.limit - seen.used);
    await caught(() => conn.query('SELECT Nope FROM User'));
    expect(conn.limitInfo.apiUsage!.used).toBe(seen.used + 1);
  });

  it('uses licences for active users and frees them on deactivation', async () => {
    const licence = () => sim.admin.summary(sim.orgId).licences.find((l) => l.name === 'Salesforce Platform')!;
    sim.admin.updateOrg(sim.orgId, { licences: { 'Salesforce Platform': licence().used + 1 } });
    const [first, second] = await conn
      .sobject('User')
      .create([userRecord(sim, {}, 'Standard Platform User'), userRecord(sim, {}, 'Standard Platform User')]);
    expect(first).toMatchObject({ success: true });
    expect(second).toMatchObject({
      success: false,
      errors: [{ statusCode: 'LICENSE_LIMIT_EXCEEDED', message: 'License Limit Exceeded - Salesforce Platform' }],
    });
    await conn.sobject('User').update({ Id: first!.id!, IsActive: false });
    expect(licence().used).toBe(licence().total - 1);
    expect(await conn.sobject('User').create(userRecord(sim, {}, 'Standard Platform User'))).toMatchObject({
      success: true,
    });
    const reactivate = await conn.sobject('User').update([{ Id: first!.id!, IsActive: true }]);
    expect(reactivate[0]).toMatchObject({ success: false, errors: [{ statusCode: 'LICENSE_LIMIT_EXCEEDED' }] });
  });
});

describe('Composite query subrequests', () => {
  let sim: SalesforceSim;
  let conn: Connection;

  beforeAll(async () => {
    sim = await startSim();
    conn = await adminConnection(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('answers each subrequest in order with its own status, as one API call', async () => {
    const before = sim.admin.summary(sim.orgId).apiUsage.used;
    const answer = await conn.requestPost<{
      compositeResponse: { httpStatusCode: number; referenceId: string; body: unknown }[];
    }>('/composite', {
      compositeRequest: [
        {
          method: 'GET',
          url: `/services/data/v62.0/query?q=${encodeURIComponent("SELECT Name FROM Profile WHERE Name = 'Standard User'")}`,
          referenceId: 'a',
        },
        {
          method: 'GET',
          url: `/services/data/v62.0/query?q=${encodeURIComponent('SELECT Nope FROM User')}`,
          referenceId: 'b',
        },
      ],
    });
    expect(answer.compositeResponse).toMatchObject([
      {
        httpStatusCode: 200,
        referenceId: 'a',
        body: { totalSize: 1, done: true, records: [{ Name: 'Standard User' }] },
      },
      { httpStatusCode: 400, referenceId: 'b', body: [{ errorCode: 'INVALID_FIELD' }] },
    ]);
    expect(sim.admin.summary(sim.orgId).apiUsage.used).toBe(before + 1);
  });

  it('refuses more than 25 subrequests', async () => {
    const sub = { method: 'GET', url: '/services/data/v62.0/query?q=SELECT+Id+FROM+User', referenceId: 'x' };
    const error = await caught(() =>
      conn.requestPost('/composite', { compositeRequest: Array.from({ length: 26 }, () => sub) }),
    );
    expect(error.name).toBe('LIMIT_EXCEEDED');
  });

  it('refuses more than five query or Collections subrequests in one call, naming the limit', async () => {
    const query = { method: 'GET', url: '/services/data/v62.0/query?q=SELECT+Id+FROM+User', referenceId: 'q' };
    const write = {
      method: 'POST',
      url: '/services/data/v62.0/composite/sobjects',
      referenceId: 'w',
      body: { allOrNone: false, records: [{ attributes: { type: 'User' }, ...userRecord(sim) }] },
    };
    const before = sim.admin.summary(sim.orgId).userCount;
    const error = await caught(() =>
      conn.requestPost('/composite', { compositeRequest: [query, query, query, write, write, write] }),
    );
    expect(error.name).toBe('LIMIT_EXCEEDED');
    expect(error.message).toMatch(/At most 5 subrequests .* sObject Collections or query operations \(got 6\)/);
    expect(sim.admin.summary(sim.orgId).userCount).toBe(before);
  });
});

describe('Composite sObject Collections subrequests', () => {
  let sim: SalesforceSim;
  let conn: Connection;
  type Answer = { compositeResponse: { httpStatusCode: number; referenceId: string; body: unknown }[] };
  const collections = (version = '62.0') => `/services/data/v${version}/composite/sobjects`;
  const users = (n: number) => Array.from({ length: n }, () => ({ attributes: { type: 'User' }, ...userRecord(sim) }));

  beforeAll(async () => {
    sim = await startSim();
    conn = await adminConnection(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('runs Collections inserts, updates and deletes in order, each answered on its own, as one API call', async () => {
    const before = sim.admin.summary(sim.orgId).apiUsage.used;
    const first = users(200);
    const second = [...users(2), { attributes: { type: 'User' }, ...userRecord(sim), LastName: '' }];
    const created = await conn.requestPost<Answer>('/composite', {
      allOrNone: false,
      compositeRequest: [
        { method: 'POST', url: collections(), referenceId: 'one', body: { allOrNone: false, records: first } },
        { method: 'POST', url: collections(), referenceId: 'two', body: { allOrNone: false, records: second } },
        { method: 'POST', url: collections(), referenceId: 'three', body: { records: users(201) } },
      ],
    });
    expect(sim.admin.summary(sim.orgId).apiUsage.used).toBe(before + 1);
    const [one, two, three] = created.compositeResponse;
    expect(one).toMatchObject({ httpStatusCode: 200, referenceId: 'one' });
    expect((one!.body as { success: boolean }[]).every((r) => r.success)).toBe(true);
    expect(two).toMatchObject({
      httpStatusCode: 200,
      body: [
        { success: true },
        { success: true },
        { success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING' }] },
      ],
    });
    // A subrequest Salesforce refuses as a whole fails alone.
    expect(three).toMatchObject({ httpStatusCode: 400, body: [{ errorCode: 'EXCEEDED_ID_LIMIT' }] });

    const id = (two!.body as { id: string }[])[0]!.id;
    const group = await conn.sobject('Group').findOne({ DeveloperName: 'Sales_Team' }, ['Id']);
    const changed = await conn.requestPost<Answer>('/composite', {
      compositeRequest: [
        {
          method: 'PATCH',
          url: collections(),
          referenceId: 'update',
          body: { allOrNone: false, records: [{ attributes: { type: 'User' }, Id: id, Title: 'Composite' }] },
        },
        {
          method: 'POST',
          url: collections(),
          referenceId: 'member',
          body: { records: [{ attributes: { type: 'GroupMember' }, GroupId: group?.Id, UserOrGroupId: id }] },
        },
      ],
    });
    expect(changed.compositeResponse.map((r) => r.httpStatusCode)).toEqual([200, 200]);
    const member = (changed.compositeResponse[1]!.body as { id: string }[])[0]!.id;
    const removed = await conn.requestPost<Answer>('/composite', {
      compositeRequest: [{ method: 'DELETE', url: `${collections()}?ids=${member}&allOrNone=false`, referenceId: 'd' }],
    });
    expect(removed.compositeResponse[0]).toMatchObject({ httpStatusCode: 200, body: [{ id: member, success: true }] });
    const user = await conn.sobject('User').retrieve(id);
    expect(user).toMatchObject({ Title: 'Composite' });
  });

  it('refuses Collections subrequests before API 43.0, and rolled-back writes it does not model', async () => {
    const old = await conn.requestPost<Answer>('/composite', {
      compositeRequest: [{ method: 'POST', url: collections('42.0'), referenceId: 'old', body: { records: users(1) } }],
    });
    expect(old.compositeResponse[0]).toMatchObject({ httpStatusCode: 400, body: [{ errorCode: 'INVALID_OPERATION' }] });
    const error = await caught(() =>
      conn.requestPost('/composite', {
        allOrNone: true,
        compositeRequest: [{ method: 'POST', url: collections(), referenceId: 'all', body: { records: users(1) } }],
      }),
    );
    expect(error.name).toBe('INVALID_OPERATION');
  });
});
