import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ExampleSubscriber,
  type Pipeline,
  type Simulators,
  startExampleSubscriber,
  startPipeline,
  waitForInitialSync,
} from '@provision/demo';
import { waitFor } from '@provision/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOMAIN, logsOf, profileName, sfUser } from './helpers.ts';

// A small tenant whose every user has a known fate, so the test can say exactly what Salesforce
// must look like after the initial sync and after each change.
const USERS = [
  'u1',
  'u2',
  'u3',
  'u4',
  'viaGroup',
  'admin',
  'unassigned',
  'defaultAccess',
  'existing',
  'duplicate',
  'platformA',
  'platformB',
] as const;
const ids = Object.fromEntries([...USERS, 'salesGroup'].map((k) => [k, randomUUID()])) as Record<string, string>;
const upn = (key: string) => `${key.toLowerCase()}.${ids[key]!.slice(0, 6)}@${DOMAIN}`;

async function prepare(sims: Simulators): Promise<void> {
  const { graph, salesforce } = sims;
  const user = (key: string, surname = 'Tester') =>
    graph.admin.createUser(
      {
        userPrincipalName: upn(key),
        mail: upn(key),
        mailNickname: key,
        givenName: key,
        surname,
        displayName: `${key} ${surname}`,
        accountEnabled: true,
        department: 'Sales',
      },
      ids[key],
    );
  for (const key of USERS) user(key);
  graph.admin.createGroup(
    { displayName: 'Sales team', mailNickname: 'sales', securityEnabled: true, mailEnabled: false },
    [ids['viaGroup']!],
    ids['salesGroup'],
  );
  for (const key of ['u1', 'u2', 'u3', 'u4', 'existing', 'duplicate']) graph.admin.assign(ids[key]!, 'Standard User');
  graph.admin.assign(ids['salesGroup']!, 'Standard User');
  graph.admin.assign(ids['admin']!, 'System Administrator');
  graph.admin.assign(ids['defaultAccess']!, 'Default Access');
  graph.admin.assign(ids['platformA']!, 'Standard Platform User');
  graph.admin.assign(ids['platformB']!, 'Standard Platform User');

  // Already in Salesforce, under another last name: matched and updated, never created twice.
  salesforce.admin.addUsers(salesforce.orgId, [
    {
      Username: upn('existing'),
      Email: upn('existing'),
      LastName: 'Old',
      Alias: 'exist',
      TimeZoneSidKey: 'America/Los_Angeles',
      LocaleSidKey: 'en_US',
      LanguageLocaleKey: 'en_US',
      EmailEncodingKey: 'UTF-8',
      ProfileName: 'Standard User',
    },
  ]);
  // Usernames are unique across all orgs: this one is taken in another org.
  await salesforce.admin.createOrg({
    name: 'Other org',
    users: [
      {
        Username: upn('duplicate'),
        Email: upn('duplicate'),
        LastName: 'Elsewhere',
        Alias: 'dup',
        TimeZoneSidKey: 'America/Los_Angeles',
        LocaleSidKey: 'en_US',
        LanguageLocaleKey: 'en_US',
        EmailEncodingKey: 'UTF-8',
        ProfileName: 'Standard User',
      },
    ],
  });
  // One Salesforce Platform licence left: one of the two platform users gets it, the other cannot.
  const platform = salesforce.admin.summary(salesforce.orgId).licences.find((l) => l.name === 'Salesforce Platform')!;
  salesforce.admin.updateOrg(salesforce.orgId, { licences: { 'Salesforce Platform': platform.used + 1 } });
}

describe('the pipeline end to end (services as processes, real Kafka, Redis, PostgreSQL, both simulators)', () => {
  let pipeline: Pipeline;
  let sims: Simulators;
  let subscriber: ExampleSubscriber | undefined;
  const waitSalesforce = (what: string, check: () => boolean) =>
    waitFor(check, { timeout: 30_000, interval: 100, message: what });

  beforeAll(async () => {
    // App-role assignments cannot be delta-tracked nor notified by Graph: the poll (2 s here) finds them.
    pipeline = await startPipeline({
      users: 0,
      existingShare: 0,
      prepare,
      // info, not warn: the more the services say, the more the secrets test below reads.
      logLevel: 'info',
      syncIntervalMs: 2000,
      env: { mapper: { RETRY_BASE_MS: '1000' } },
    });
    sims = pipeline.sims;
    // Another system subscribed to the lifecycle stream (its log apart from the services').
    subscriber = await startExampleSubscriber(
      { KAFKA_BROKERS: pipeline.env.audit['KAFKA_BROKERS']!, TOPIC_PREFIX: pipeline.env.audit['TOPIC_PREFIX']! },
      join(pipeline.logDir, 'subscriber'),
    );
    await waitForInitialSync(pipeline.audit, { timeoutMs: 120_000 });
  }, 180_000);
  afterAll(async () => {
    await subscriber?.stop();
    await pipeline?.stop();
  });

  it('lets no one into the APIs without signing in: 401 without a token, 403 with the wrong role, 200 with it', async () => {
    const token = await pipeline.token();
    const get = (url: string, bearer?: string) =>
      fetch(url, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {});
    for (const url of [`${pipeline.auditUrl}/api/sync-status`, `${pipeline.mapperUrl}/api/deactivation-guard`]) {
      const anonymous = await get(url);
      expect(anonymous.status, url).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="Provision"');
      expect((await get(url, `${token.slice(0, -4)}AAAA`)).status, `${url} forged`).toBe(401);
      expect((await get(url, token)).status, url).toBe(200);
    }
    const onDemand = `${pipeline.ingestorUrl}/api/provision-on-demand`;
    const post = (url: string, headers: Record<string, string>) =>
      fetch(url, { method: 'POST', headers, body: JSON.stringify({ userId: ids['u1'] }) });
    expect((await post(onDemand, { 'content-type': 'application/json' })).status).toBe(401);
    // A cross-origin page can send text/plain without a preflight, never a bearer token or JSON.
    expect((await post(onDemand, { 'content-type': 'text/plain' })).status).toBe(401);
    expect((await post(onDemand, { 'content-type': 'text/plain', authorization: `Bearer ${token}` })).status).toBe(415);

    const reader = sims.graph.identity.addClient({ displayName: 'e2e reader', roles: ['Provision.Read'] });
    const readerToken = (await (
      await fetch(`${sims.graph.authorityHost}/${sims.graph.tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: reader.clientId,
          client_secret: reader.clientSecret,
          scope: sims.graph.signIn.defaultScope,
        }),
      })
    ).json()) as { access_token: string };
    const release = await post(`${pipeline.mapperUrl}/api/deactivation-guard/release`, {
      'content-type': 'application/json',
      authorization: `Bearer ${readerToken.access_token}`,
    });
    expect(release.status).toBe(403);
    expect(await release.text()).toContain('Provision.Operate');
    expect((await get(`${pipeline.auditUrl}/api/dead-letters`, readerToken.access_token)).status).toBe(200);
    for (const base of [pipeline.auditUrl, pipeline.mapperUrl, pipeline.ingestorUrl]) {
      expect((await get(`${base}/healthz`)).status, base).toBe(200);
      expect((await get(`${base}/metrics`)).status, base).toBe(200);
    }
  });

  it('provisions exactly the assigned users, each with the profile of its role and the mapped fields', () => {
    for (const key of ['u1', 'u2', 'u3', 'u4', 'viaGroup']) {
      const u = sfUser(sims, upn(key));
      expect(u, key).toMatchObject({
        IsActive: true,
        FirstName: key,
        LastName: 'Tester',
        Email: upn(key),
        Alias: upn(key).slice(0, 8),
      });
      expect(profileName(sims, u?.['ProfileId'])).toBe('Standard User');
    }
    expect(profileName(sims, sfUser(sims, upn('admin'))?.['ProfileId'])).toBe('System Administrator');
    expect(sfUser(sims, upn('unassigned'))).toBeUndefined();
    expect(sfUser(sims, upn('defaultAccess'))).toBeUndefined();
  });

  it('matches the user that already existed instead of creating another, and brings its fields in step', async () => {
    const matches = sims.salesforce.admin
      .users(sims.salesforce.orgId)
      .filter((u) => String(u['Username']).toLowerCase() === upn('existing'));
    expect(matches).toHaveLength(1);
    expect(matches[0]).toMatchObject({ LastName: 'Tester', IsActive: true });
    const [entry] = await logsOf(pipeline, { userId: ids['existing']! });
    expect(entry).toMatchObject({ status: 'success', targetIdentity: { linkedBy: 'matched' } });
  });

  it('logs why out-of-scope users were skipped', async () => {
    const [unassigned] = await logsOf(pipeline, { userId: ids['unassigned']! });
    expect(unassigned?.reasons.map((r) => r.code)).toContain('unassigned');
    const [defaultAccess] = await logsOf(pipeline, { userId: ids['defaultAccess']! });
    expect(defaultAccess?.reasons.map((r) => r.code)).toContain('default-access');
  });

  it('reports a username taken in another org and a licence past the limit with the Entra error codes', async () => {
    // The mapper retries refused users, so a user may have several entries by now: all refused.
    const duplicate = await logsOf(pipeline, { userId: ids['duplicate']! });
    expect(duplicate.filter((e) => e.status === 'success')).toEqual([]);
    expect(duplicate.find((e) => e.status === 'failure')?.errorInfo?.errorCode).toBe('SalesforceDuplicateUserName');
    const a = await logsOf(pipeline, { userId: ids['platformA']! });
    const b = await logsOf(pipeline, { userId: ids['platformB']! });
    const [granted, refused] = a.some((e) => e.status === 'success') ? [a, b] : [b, a];
    expect(granted.some((e) => e.status === 'success')).toBe(true);
    expect(refused.filter((e) => e.status === 'success')).toEqual([]);
    const failures = refused.filter((e) => e.status === 'failure');
    expect(failures.length).toBeGreaterThan(0);
    expect(new Set(failures.map((e) => e.errorInfo?.errorCode))).toEqual(new Set(['SalesforceLicenseLimitExceeded']));
  });

  it('retries the user refused for want of a licence once an admin frees one', async () => {
    const platform = [
      ...(await logsOf(pipeline, { userId: ids['platformA']! })),
      ...(await logsOf(pipeline, { userId: ids['platformB']! })),
    ];
    const refused = platform.find((e) => e.status === 'failure')!.sourceIdentity;
    const { salesforce } = sims;
    const licence = salesforce.admin.summary(salesforce.orgId).licences.find((l) => l.name === 'Salesforce Platform')!;
    salesforce.admin.updateOrg(salesforce.orgId, { licences: { 'Salesforce Platform': licence.total + 1 } });
    await waitSalesforce(
      'refused user created on retry',
      () => sfUser(sims, String(refused.userPrincipalName))?.['IsActive'] === true,
    );
  });

  it('carries a name change to Salesforce', async () => {
    sims.graph.admin.updateUser(ids['u1']!, { surname: 'Renamed' });
    await waitSalesforce('LastName renamed', () => sfUser(sims, upn('u1'))?.['LastName'] === 'Renamed');
  });

  it('carries a role change to the Salesforce profile', async () => {
    const assignment = [...sims.graph.tenant.visibleAssignments()].find((a) => a.principalId === ids['u2']);
    sims.graph.admin.unassign(assignment!.id);
    sims.graph.admin.assign(ids['u2']!, 'System Administrator');
    await waitSalesforce(
      'profile changed',
      () => profileName(sims, sfUser(sims, upn('u2'))?.['ProfileId']) === 'System Administrator',
    );
    expect(sfUser(sims, upn('u2'))?.['IsActive']).toBe(true);
  });

  it('deactivates an unassigned user (Salesforce never deletes users)', async () => {
    const assignment = [...sims.graph.tenant.visibleAssignments()].find((a) => a.principalId === ids['u3']);
    sims.graph.admin.unassign(assignment!.id);
    await waitSalesforce('u3 deactivated', () => sfUser(sims, upn('u3'))?.['IsActive'] === false);
  });

  it('deactivates a soft-deleted user and reactivates it when restored', async () => {
    sims.graph.admin.softDelete('user', ids['u4']!);
    await waitSalesforce('u4 deactivated', () => sfUser(sims, upn('u4'))?.['IsActive'] === false);
    sims.graph.admin.restore(ids['u4']!);
    await waitSalesforce('u4 reactivated', () => sfUser(sims, upn('u4'))?.['IsActive'] === true);
    // The audit log has both, with their results (it may lag Salesforce by a moment).
    await waitFor(
      async () => {
        const actions = (await logsOf(pipeline, { userId: ids['u4']! })).map((e) => `${e.action}:${e.status}`);
        return actions.includes('disable:success') && actions.includes('reactivate:success');
      },
      { timeout: 10_000, message: 'audit shows disable and reactivate' },
    );
  });

  it('tells a subscriber of the lifecycle stream who joined, moved, left and is active, with the Salesforce ids', async () => {
    type Row = { userId: string; salesforceId: string; active: boolean; last: string };
    const rows = async () =>
      new Map(((await (await fetch(`${subscriber!.url}/users`)).json()) as Row[]).map((r) => [r.userId, r]));
    await waitFor(
      async () => {
        const byId = await rows();
        // u4 was active before it left too: wait for its return, not for any active row.
        return byId.get(ids['u4']!)?.last === 'provisioned' && byId.get(ids['u3']!)?.active === false;
      },
      { timeout: 15_000, message: 'the subscriber saw u3 deprovisioned and u4 back' },
    );
    const byId = await rows();
    const sf = (key: string) => sfUser(sims, upn(key))?.['Id'];
    expect(byId.get(ids['viaGroup']!)).toMatchObject({ last: 'joiner', active: true, salesforceId: sf('viaGroup') });
    expect(byId.get(ids['admin']!)).toMatchObject({ last: 'joiner', active: true, salesforceId: sf('admin') });
    expect(byId.get(ids['existing']!)).toMatchObject({ active: true, salesforceId: sf('existing') });
    expect(byId.get(ids['u1']!)).toMatchObject({ last: 'mover', active: true });
    expect(byId.get(ids['u3']!)).toMatchObject({ last: 'deprovisioned', active: false, salesforceId: sf('u3') });
    // Soft-deleted (a leaver), then restored and reactivated.
    expect(byId.get(ids['u4']!)).toMatchObject({ last: 'provisioned', active: true, salesforceId: sf('u4') });
    for (const key of ['unassigned', 'defaultAccess', 'duplicate']) expect(byId.has(ids[key]!), key).toBe(false);
    const summary = await subscriber!.summary();
    expect(summary.received.leaver).toBeGreaterThanOrEqual(1);
    expect(summary.received.provisioned).toBeGreaterThanOrEqual(2);
  });

  // Last: by now every service has started, synced, retried, been refused and changed users.
  it('never writes a secret to any service log: passwords, tokens, client secrets, the clientState', () => {
    const env = pipeline.env;
    const urlPassword = (url: string | undefined) => (url ? decodeURIComponent(new URL(url).password) : '');
    const secrets = {
      SALESFORCE_PASSWORD: env.writer['SALESFORCE_PASSWORD'],
      SALESFORCE_SECURITY_TOKEN: env.writer['SALESFORCE_SECURITY_TOKEN'],
      GRAPH_CLIENT_SECRET: env.ingestor['GRAPH_CLIENT_SECRET'],
      WEBHOOK_CLIENT_STATE: env.ingestor['WEBHOOK_CLIENT_STATE'],
      'REDIS_URL password': urlPassword(env.mapper['REDIS_URL']),
      'DATABASE_URL password': urlPassword(env.audit['DATABASE_URL']),
      'CLI client secret': sims.graph.signIn.client.clientSecret,
    };
    for (const name of [
      'SALESFORCE_PASSWORD',
      'SALESFORCE_SECURITY_TOKEN',
      'GRAPH_CLIENT_SECRET',
      'WEBHOOK_CLIENT_STATE',
    ]) {
      expect(secrets[name as keyof typeof secrets]?.length, name).toBeGreaterThanOrEqual(8);
    }
    const logs = readdirSync(pipeline.logDir).filter((f) => f.endsWith('.log'));
    expect(logs.sort()).toEqual(['audit.log', 'ingestor.log', 'mapper.log', 'writer.log']);
    const leaks: string[] = [];
    for (const file of logs) {
      const text = readFileSync(join(pipeline.logDir, file), 'utf8');
      expect(text.length, file).toBeGreaterThan(0);
      for (const [name, value] of Object.entries(secrets)) {
        if (value && value.length >= 4 && text.includes(value)) leaks.push(`${file}: ${name}`);
      }
    }
    expect(leaks).toEqual([]);
  });
});
