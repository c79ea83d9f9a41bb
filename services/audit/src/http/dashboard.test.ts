import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorBody, protect, ROLES } from '@provision/auth';
import { createTestIssuer, type TestIssuer } from '@provision/auth/testing';
import { createLogger, createMetrics } from '@provision/telemetry';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditService, buildService } from '../app.ts';
import { InMemoryAuditLogStore, InMemoryEventSource } from '../testing/fakes.ts';
import { CONSOLE_BUILD_DIR, consoleSourceHash, SOURCE_HASH_FILE } from './console-files.ts';
import { CONSOLE_PAGES } from './dashboard.ts';

const SIGN_IN = {
  authority: 'https://login.test/tenant-1',
  clientId: 'client-1',
  scope: 'api://client-1/access_as_user',
};

const JOB_CONTROLS = [
  '/api/provisioning/pause',
  '/api/provisioning/resume',
  '/api/provisioning/restart',
  '/api/writer-quarantine/clear',
];
let issuer: TestIssuer;
let upstream: FastifyInstance;
const seen: { url: string; authorization: string | undefined; body: unknown }[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
  // Stands in for the ingestor and the mapper: records what the audit relays, answers as they do.
  upstream = Fastify({ logger: false });
  upstream.addHook('onRequest', async (request) => {
    seen.push({ url: request.url, authorization: request.headers.authorization, body: null });
  });
  upstream.get('/api/deactivation-guard', async () => ({ staged: ['u1', 'u2'] }));
  upstream.post('/api/deactivation-guard/release', async (_request, reply) =>
    reply.code(403).send(errorBody('PRV_FORBIDDEN', 'This needs the app role Provision.Operate.')),
  );
  upstream.get('/api/salesforce-users/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    if (id.endsWith('404'))
      return reply.code(404).send(
        errorBody('PRV_NOT_FOUND', 'No Salesforce user found', {
          details: {
            reason: 'not-found',
            tried: [{ by: 'link-field', attribute: 'EntraObjectId__c', value: id, found: [] }],
          },
        }),
      );
    return { userId: id, foundBy: 'stored-link', salesforce: { id: '005A' }, query: request.query };
  });
  upstream.post('/api/mapping/preview', async (request) => ({ sampled: 1, changed: 0, users: [], echo: request.body }));
  upstream.post('/api/provision-on-demand', async (request) => {
    (seen.at(-1) as { body: unknown }).body = request.body;
    return { userId: (request.body as { userId: string }).userId, published: { 'user.upserted': 1 } };
  });
  // The ingestor's job controls: Provision.Operate, checked by the ingestor itself.
  await upstream.register(async (scope) => {
    protect(scope, { verifier: issuer.verifier, role: ROLES.operate });
    for (const path of JOB_CONTROLS) {
      scope.post(path, async (request) => {
        (seen.at(-1) as { body: unknown }).body = request.body;
        return { done: path };
      });
    }
  });
  await upstream.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await upstream?.close();
});

function service(console?: Parameters<typeof buildService>[0]['console']): AuditService {
  return buildService({
    store: new InMemoryAuditLogStore(),
    events: new InMemoryEventSource(),
    logger: createLogger({ service: 'audit', level: 'silent' }),
    metrics: createMetrics('audit'),
    retentionDays: 30,
    auth: { verifier: issuer.verifier, dashboard: SIGN_IN },
    ...(console ? { console } : {}),
  });
}
const upstreamUrl = () => {
  const address = upstream.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
};
const bearer = async (roles = ['Provision.Read']) => `Bearer ${await issuer.userToken(roles)}`;

describe('the admin console, as the audit serves it', () => {
  it('answers every page of the console with the built page, its sign-in settings and a CSP with nothing inline', async () => {
    const s = service();
    for (const path of CONSOLE_PAGES) {
      const url = path.replace(':userId', '0b7c1f4e-1111-4a2b-9c3d-000000000001');
      const res = await s.http.inject(`${url}?user=ada%40contoso.com`);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self' https://login.test");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.body).toContain('content="{&quot;authority&quot;:&quot;https://login.test/tenant-1&quot;');
      expect(res.body).toContain('src="/dashboard.js"');
      expect(res.body).not.toMatch(/<script>|<style>| style="/);
    }
    const js = await s.http.inject('/dashboard.js');
    expect(js.headers['content-type']).toMatch(/text\/javascript/);
    for (const path of ['/api/sync-status', '/api/provisioning-logs', '/api/console/provision-on-demand']) {
      expect(js.body).toContain(path);
    }
    expect((await s.http.inject('/dashboard.css')).headers['content-type']).toMatch(/text\/css/);
    expect((await s.http.inject('/users/a/b')).statusCode).toBe(404);
  });

  it('serves a build made from the current sources (run `./pnpmw --filter @provision/audit build:console` after editing web/)', async () => {
    const recorded = (await readFile(join(CONSOLE_BUILD_DIR, SOURCE_HASH_FILE), 'utf8')).trim();
    expect(recorded).toBe(await consoleSourceHash());
  });
});

describe('the console API', () => {
  it('needs a token like the rest of /api/', async () => {
    const s = service({ mapperUrl: upstreamUrl() });
    for (const url of ['/api/console/services', '/api/console/guard', '/api/console/mapping']) {
      expect((await s.http.inject(url)).statusCode, url).toBe(401);
    }
    const post = await s.http.inject({
      method: 'POST',
      url: '/api/console/expression',
      headers: { 'content-type': 'application/json' },
      payload: { expression: '"x"' },
    });
    expect(post.statusCode).toBe(401);
  });

  it("relays to the mapper and the ingestor with the caller's own token, and their refusals with their message", async () => {
    const s = service({ mapperUrl: upstreamUrl(), ingestorUrl: `${upstreamUrl()}/` });
    const authorization = await bearer();
    seen.length = 0;
    const guard = await s.http.inject({ url: '/api/console/guard', headers: { authorization } });
    expect(guard.statusCode).toBe(200);
    expect(guard.json()).toEqual({ staged: ['u1', 'u2'] });
    expect(seen[0]).toMatchObject({ url: '/api/deactivation-guard', authorization });

    const release = await s.http.inject({
      method: 'POST',
      url: '/api/console/guard/release',
      headers: { authorization, 'content-type': 'application/json' },
      payload: {},
    });
    expect(release.statusCode).toBe(403);
    expect(release.json().error).toMatchObject({ code: 'PRV_FORBIDDEN', message: expect.stringContaining('Operate') });

    const onDemand = await s.http.inject({
      method: 'POST',
      url: '/api/console/provision-on-demand',
      headers: { authorization, 'content-type': 'application/json' },
      payload: { userId: 'ABC-123', extra: 'dropped' },
    });
    expect(onDemand.statusCode).toBe(200);
    expect(seen.at(-1)).toMatchObject({ url: '/api/provision-on-demand', body: { userId: 'ABC-123' } });

    const preview = await s.http.inject({
      method: 'POST',
      url: '/api/console/mapping/preview',
      headers: { authorization, 'content-type': 'application/json' },
      payload: { mapping: 'version: 1', sample: 5 },
    });
    expect(preview.json()).toMatchObject({ sampled: 1, echo: { mapping: 'version: 1', sample: 5 } });
    expect(seen.at(-1)).toMatchObject({ url: '/api/mapping/preview', authorization });

    const bad = await s.http.inject({
      method: 'POST',
      url: '/api/console/provision-on-demand',
      headers: { authorization, 'content-type': 'application/json' },
      payload: { userId: '../x' },
    });
    expect(bad.statusCode).toBe(400);
    const plain = await s.http.inject({
      method: 'POST',
      url: '/api/console/guard/release',
      headers: { authorization, 'content-type': 'text/plain' },
      payload: '{}',
    });
    expect(plain.statusCode).toBe(415);
  });

  it("relays a user's live Salesforce record to the writer with the caller's token and the matching value, and its 404 with what was searched", async () => {
    const s = service({ writerUrl: upstreamUrl() });
    const authorization = await bearer();
    seen.length = 0;
    const found = await s.http.inject({
      url: '/api/console/users/0B7C1F4E-1111-4A2B-9C3D-000000000001/salesforce?matchAttribute=Username&matchValue=ada%40contoso.test&other=x',
      headers: { authorization },
    });
    expect(found.statusCode).toBe(200);
    expect(found.json()).toMatchObject({
      foundBy: 'stored-link',
      salesforce: { id: '005A' },
      query: { matchAttribute: 'Username', matchValue: 'ada@contoso.test' },
    });
    expect(seen[0]).toMatchObject({
      url: '/api/salesforce-users/0b7c1f4e-1111-4a2b-9c3d-000000000001?matchAttribute=Username&matchValue=ada%40contoso.test',
      authorization,
    });
    const missing = await s.http.inject({
      url: '/api/console/users/0b7c1f4e-1111-4a2b-9c3d-000000000404/salesforce',
      headers: { authorization },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatchObject({
      code: 'PRV_NOT_FOUND',
      details: { reason: 'not-found', tried: [{ by: 'link-field' }], upstream: 'writer' },
    });
    expect(
      (await s.http.inject({ url: '/api/console/users/..%2Fx/salesforce', headers: { authorization } })).statusCode,
    ).toBe(400);
    expect((await s.http.inject('/api/console/users/0b7c1f4e-1111-4a2b-9c3d-000000000001/salesforce')).statusCode).toBe(
      401,
    );
    const unset = await service().http.inject({
      url: '/api/console/users/0b7c1f4e-1111-4a2b-9c3d-000000000001/salesforce',
      headers: { authorization },
    });
    expect(unset.statusCode).toBe(503);
    expect(unset.json().error.message).toContain('WRITER_URL');
  });

  it('relays pause, resume, restart and the quarantine clear to the ingestor, which refuses Provision.Read (its challenge relayed) and accepts Provision.Operate', async () => {
    const s = service({ ingestorUrl: upstreamUrl() });
    const routes: [string, string, unknown][] = [
      ['/api/console/provisioning/pause', '/api/provisioning/pause', { reason: 'maintenance' }],
      ['/api/console/provisioning/resume', '/api/provisioning/resume', {}],
      ['/api/console/provisioning/restart', '/api/provisioning/restart', {}],
      ['/api/console/quarantine/clear', '/api/writer-quarantine/clear', {}],
    ];
    const reader = await bearer(['Provision.Read']);
    const operator = await bearer(['Provision.Operate']);
    for (const [url, upstreamPath, payload] of routes) {
      const send = (authorization: string) =>
        s.http.inject({
          method: 'POST',
          url,
          headers: { authorization, 'content-type': 'application/json' },
          payload: payload as object,
        });
      const refused = await send(reader);
      expect(refused.statusCode, url).toBe(403);
      expect(refused.json().error, url).toMatchObject({ code: 'PRV_FORBIDDEN', details: { upstream: 'ingestor' } });
      // The ingestor's challenge names the scope missing, as if the caller had asked it directly.
      expect(refused.headers['www-authenticate'], url).toMatch(/error="insufficient_scope"/);
      seen.length = 0;
      const done = await send(operator);
      expect(done.statusCode, url).toBe(200);
      expect(done.json(), url).toEqual({ done: upstreamPath });
      expect(seen.at(-1), url).toEqual({ url: upstreamPath, authorization: operator, body: payload });
    }
    const badReason = await s.http.inject({
      method: 'POST',
      url: '/api/console/provisioning/pause',
      headers: { authorization: operator, 'content-type': 'application/json' },
      payload: { reason: 42 },
    });
    expect(badReason.statusCode).toBe(400);
  });

  it('says plainly which service is not configured, and when one does not answer', async () => {
    const authorization = await bearer();
    const unset = service();
    const answer = await unset.http.inject({ url: '/api/console/guard', headers: { authorization } });
    expect(answer.statusCode).toBe(503);
    expect(answer.json().error).toMatchObject({
      message: expect.stringContaining('MAPPER_URL'),
      details: { unavailable: true },
    });
    expect((await unset.http.inject({ url: '/api/console/services', headers: { authorization } })).json()).toEqual({
      ingestor: false,
      mapper: false,
      writer: false,
      capacity: false,
      lag: false,
    });
    expect((await unset.http.inject({ url: '/api/console/consumer-lag', headers: { authorization } })).statusCode).toBe(
      503,
    );
    const noRedis = await unset.http.inject({ url: '/api/console/writer-capacity', headers: { authorization } });
    expect(noRedis.statusCode).toBe(503);
    expect(noRedis.json().error.message).toContain('REDIS_URL');
    const gone = service({ mapperUrl: 'http://127.0.0.1:9' });
    const down = await gone.http.inject({ url: '/api/console/mapping', headers: { authorization } });
    expect(down.statusCode).toBe(502);
    expect(down.json().error.message).toContain('mapper did not answer');
  });

  it("reports the writers' shared budget and concurrency, and a Redis that does not answer as a 503", async () => {
    const authorization = await bearer();
    const capacity = {
      budget: { usedThisWindow: 42, perMinute: 250, windowEndsInMs: 30_000 },
      concurrency: { limit: 8, inFlight: 3 },
    };
    const ok = service({ capacity: { read: async () => capacity } });
    const answer = await ok.http.inject({ url: '/api/console/writer-capacity', headers: { authorization } });
    expect(answer.json()).toEqual(capacity);
    const down = service({
      capacity: {
        read: async () => {
          throw new Error('connection refused');
        },
      },
    });
    const refused = await down.http.inject({ url: '/api/console/writer-capacity', headers: { authorization } });
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error.message).toContain('connection refused');
  });

  it('reports consumer lag per group and topic', async () => {
    const groups = [{ group: 'provision-writer', topic: 'provisioning.commands.v1', lag: 12 }];
    const s = service({ lag: { read: async () => groups } });
    const answer = await s.http.inject({
      url: '/api/console/consumer-lag',
      headers: { authorization: await bearer() },
    });
    expect(answer.json()).toEqual({ groups });
  });

  it("evaluates an expression as Entra's tester does, and says where a syntax error is", async () => {
    const s = service();
    const authorization = await bearer();
    const evaluate = (body: unknown) =>
      s.http.inject({
        method: 'POST',
        url: '/api/console/expression',
        headers: { authorization, 'content-type': 'application/json' },
        payload: body as object,
      });
    const ok = await evaluate({
      expression: 'Join(" ", [givenName], [surname])',
      attributes: { givenName: 'Ada', surname: 'Lovelace' },
    });
    expect(ok.json()).toEqual({
      ok: true,
      result: 'Ada Lovelace',
      ignored: false,
      attributes: ['givenName', 'surname'],
    });
    const broken = (await evaluate({ expression: 'Join(" ", [givenName]', attributes: {} })).json();
    expect(broken).toMatchObject({ ok: false, stage: 'syntax' });
    expect(typeof broken.column).toBe('number');
    const badAttributes = await evaluate({ expression: '[a]', attributes: { a: { nested: true } } });
    expect(badAttributes.statusCode).toBe(400);
    expect(badAttributes.json().error.message).toContain('attributes.a');
  });
});
