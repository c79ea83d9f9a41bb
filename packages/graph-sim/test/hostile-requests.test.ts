import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphSim, startGraphSim } from '../src/index.ts';

/** A Graph error body, or a collection, as the tests read it. */
interface Body {
  error: { code: string; message: string; innerError: Record<string, string> };
  value?: unknown[];
  '@odata.nextLink'?: string;
}

describe('graph-sim answers hostile and malformed requests with the Graph error envelope', () => {
  let sim: GraphSim;
  let token: string;

  beforeAll(async () => {
    sim = await startGraphSim({ users: 30, seed: 9 });
    const response = await fetch(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: sim.clientId,
        client_secret: sim.clientSecret,
        grant_type: 'client_credentials',
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
    token = ((await response.json()) as { access_token: string }).access_token;
  });
  afterAll(async () => {
    await sim?.close();
  });

  async function call(path: string, init: RequestInit & { auth?: string | null } = {}) {
    const headers = new Headers(init.headers);
    if (init.auth !== null) headers.set('authorization', init.auth ?? `Bearer ${token}`);
    const response = await fetch(`${sim.url}${path}`, { ...init, headers });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : {}) as Body,
    };
  }

  function expectEnvelope(body: Body, code: string) {
    expect(body.error).toMatchObject({ code, message: expect.any(String) });
    expect(body.error.innerError).toMatchObject({ 'request-id': expect.any(String), date: expect.any(String) });
  }

  it('refuses missing, forged and malformed bearer tokens with 401 InvalidAuthenticationToken', async () => {
    for (const auth of [
      null,
      'Bearer',
      'Bearer abc',
      `Bearer ${token.slice(0, -2)}xx`,
      'Basic Zm9vOmJhcg==',
      `Bearer ${'a.b.c'}`,
    ]) {
      const { status, body } = await call('/v1.0/users', { auth });
      expect(status).toBe(401);
      expectEnvelope(body, 'InvalidAuthenticationToken');
    }
  });

  it('refuses unknown $select properties and bad paging options', async () => {
    const select = await call('/v1.0/users/delta?$select=displayName,password');
    expect(select.status).toBe(400);
    expectEnvelope(select.body, 'Request_BadRequest');
    expect(select.body.error.message).toContain("'password'");
    expect((await call('/v1.0/users?$top=100000')).status).toBe(400);
    expect((await call('/v1.0/users?$top=1&$top=2')).status).toBe(400);
    expect((await call('/v1.0/groups/delta?$expand=members')).status).toBe(400);
    const skip = await call('/v1.0/users?$skiptoken=%00%ff');
    expect(skip.status).toBe(400);
  });

  it('refuses bad JSON, wrong content types and wrong shapes', async () => {
    const json = { 'content-type': 'application/json' };
    const bad = await call('/v1.0/users', { method: 'POST', headers: json, body: '{"displayName": ' });
    expect(bad.status).toBe(400);
    expectEnvelope(bad.body, 'BadRequest');
    const proto = await call('/v1.0/users', { method: 'POST', headers: json, body: '{"__proto__": {"x": 1}}' });
    expect(proto.status).toBe(400);
    const array = await call('/v1.0/$batch', { method: 'POST', headers: json, body: '[1,2,3]' });
    expect(array.status).toBe(400);
    const steps = await call('/v1.0/$batch', { method: 'POST', headers: json, body: '{"requests":[{"id":"1"}]}' });
    expect(steps.status).toBe(400);
    const xml = await call('/v1.0/users', {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<a/>',
    });
    expect(xml.status).toBe(415);
    expectEnvelope(xml.body, 'UnsupportedMediaType');
    const unknownProp = await call('/v1.0/users', { method: 'POST', headers: json, body: '{"isAdmin": true}' });
    expect(unknownProp.status).toBe(400);
    const roles = await call(`/v1.0/applications/${sim.applicationId}`, {
      method: 'PATCH',
      headers: json,
      body: '{"appRoles": "all"}',
    });
    expect(roles.status).toBe(400);
  });

  it('refuses to delete an enabled app role, as Graph does', async () => {
    const { status, body } = await call(`/v1.0/applications/${sim.applicationId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appRoles: [] }),
    });
    expect(status).toBe(400);
    expectEnvelope(body, 'CannotDeleteOrUpdateEnabledEntitlement');
  });

  it('answers unknown delta tokens with syncStateNotFound and unknown paths with Graph errors', async () => {
    for (const token of ['garbage', 'eyJrIjoidXNlciJ9.AAAA', `${'x'.repeat(5000)}`]) {
      const { status, body } = await call(`/v1.0/users/delta?$deltatoken=${token}`);
      expect(status).toBe(400);
      expectEnvelope(body, 'syncStateNotFound');
    }
    const unknown = await call('/v1.0/teleport');
    expect(unknown.status).toBe(400);
    expectEnvelope(unknown.body, 'BadRequest');
    const missing = await call('/v1.0/users/not-a-user');
    expect(missing.status).toBe(404);
    expectEnvelope(missing.body, 'Request_ResourceNotFound');
  });

  it('refuses a wrong client secret and a wrong scope with AADSTS errors', async () => {
    const grant = async (params: Record<string, string>) => {
      const response = await fetch(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams(params),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const base = {
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
      grant_type: 'client_credentials',
      scope: 'https://graph.microsoft.com/.default',
    };
    const secret = await grant({ ...base, client_secret: 'guess' });
    expect(secret).toMatchObject({ status: 401, body: { error: 'invalid_client', error_codes: [7000215] } });
    const scope = await grant({ ...base, scope: 'User.Read' });
    expect(scope).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
    const client = await grant({ ...base, client_id: '00000000-0000-0000-0000-000000000001' });
    expect(client).toMatchObject({ status: 400, body: { error: 'unauthorized_client', error_codes: [700016] } });
  });

  it("lists a user's groups through memberOf", async () => {
    const group = [...sim.tenant.groups.active()].find((g) => (g.members?.size ?? 0) > 0);
    const member = [...(group?.members ?? [])][0];
    const { status, body } = await call(`/v1.0/users/${member}/memberOf/microsoft.graph.group?$select=id&$top=999`);
    expect(status).toBe(200);
    expect(body.value).toContainEqual({ '@odata.type': '#microsoft.graph.group', id: group?.id });
  });

  it('never answers 500 or a body without the envelope, whatever the request (property test)', async () => {
    const user = [...sim.tenant.users.active()][0]?.id ?? '';
    const group = [...sim.tenant.groups.active()][0]?.id ?? '';
    const segment = fc.oneof(
      fc.constantFrom(
        'users',
        'groups',
        'delta',
        'members',
        '$ref',
        'memberOf',
        'directory',
        'deletedItems',
        'subscriptions',
      ),
      fc.constantFrom('servicePrincipals', 'appRoleAssignedTo', 'applications', '$batch', 'restore', user, group),
      fc.constantFrom(sim.servicePrincipalId, sim.applicationId, 'microsoft.graph.delta', 'microsoft.graph.user'),
      fc.string({ maxLength: 12 }).map(encodeURIComponent),
    );
    const query = fc.dictionary(
      fc.constantFrom('$select', '$top', '$skiptoken', '$deltatoken', '$filter', '$expand', 'validationToken', 'x'),
      fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.constantFrom('displayName,members', '0', '1000', 'latest', "id eq 'x'"),
      ),
      { maxKeys: 3 },
    );
    const body = fc.oneof(
      fc.constant(undefined),
      fc.json({ maxDepth: 3 }),
      fc.string({ maxLength: 40 }),
      fc.constantFrom(
        '{"requests":[{"id":"1","method":"GET","url":"/users"}]}',
        '{"appRoles":[{}]}',
        '{"principalId":null}',
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT'),
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        query,
        body,
        async (method, segments, params, payload) => {
          const search = new URLSearchParams(params).toString();
          const path = `/v1.0/${segments.join('/')}${search ? `?${search}` : ''}`;
          const init: RequestInit = { method };
          if (payload !== undefined && method !== 'GET') {
            init.body = payload;
            init.headers = { 'content-type': 'application/json' };
          }
          const response = await call(path, init);
          expect(response.status).toBeLessThan(500);
          if (response.status >= 400) expect(typeof response.body.error?.code).toBe('string');
        },
      ),
      { numRuns: 150, seed: 4 },
    );
  });

  it('is still serving after all that', async () => {
    const { status, body } = await call('/v1.0/users?$top=5');
    expect(status).toBe(200);
    expect(body.value).toHaveLength(5);
    expect(body['@odata.nextLink']).toMatch(/^https:\/\/localhost:\d+\/v1\.0\/users\?/);
  });
});
