import { ROLES, registerErrorHandling, secureHeaders } from '@provision/auth';
import { createTestIssuer, type TestIssuer } from '@provision/auth/testing';
import type { Initiator } from '@provision/events';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiRoutes } from './api-routes.ts';

let issuer: TestIssuer;
let http: FastifyInstance;
const releases: Initiator[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
  http = Fastify({ logger: false });
  secureHeaders(http);
  registerErrorHandling(http, { service: 'mapper' });
  registerApiRoutes(http, {
    guard: {
      staged: async () => ['u1', 'u2'],
      releaseStaged: async (by) => {
        releases.push(by);
        return 2;
      },
    },
    verifier: issuer.verifier,
  });
  await http.ready();
});
afterAll(() => http.close());

const as = async (roles: string[]) => ({
  authorization: `Bearer ${await issuer.userToken(roles, { oid: 'oid-7', name: 'Pat Admin', preferred_username: 'pat@contoso.test' })}`,
});
const release = (headers: Record<string, string>) =>
  http.inject({
    method: 'POST',
    url: '/api/deactivation-guard/release',
    headers: { 'content-type': 'application/json', ...headers },
    payload: '{}',
  });

describe('mapper HTTP API', () => {
  it('answers 401 without a token on every API route', async () => {
    expect((await http.inject({ method: 'GET', url: '/api/deactivation-guard' })).statusCode).toBe(401);
    const anonymous = await release({});
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="Provision"');
    expect(anonymous.json().error).toMatchObject({ code: 'PRV_UNAUTHENTICATED' });
    expect(releases).toEqual([]);
  });

  it('shows the staged users to Provision.Read, and refuses it the release with 403', async () => {
    const reader = await as([ROLES.read]);
    const staged = await http.inject({ method: 'GET', url: '/api/deactivation-guard', headers: reader });
    expect(staged.statusCode).toBe(200);
    expect(staged.json()).toEqual({ staged: ['u1', 'u2'] });
    const refused = await release(reader);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({
      code: 'PRV_FORBIDDEN',
      message: expect.stringContaining('Provision.Operate'),
    });
    expect(releases).toEqual([]);
  });

  it('releases for Provision.Operate and records who did', async () => {
    const response = await release(await as([ROLES.operate]));
    expect(response.statusCode).toBe(200);
    const by = { kind: 'user', id: 'oid-7', name: 'Pat Admin <pat@contoso.test> (user oid-7)' };
    expect(response.json()).toEqual({ released: 2, releasedBy: by });
    expect(releases).toEqual([by]);
  });

  it('refuses a cross-origin-shaped release (text/plain, form) even with a valid token', async () => {
    const operator = await as([ROLES.operate]);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const response = await http.inject({
        method: 'POST',
        url: '/api/deactivation-guard/release',
        headers: { ...operator, 'content-type': type },
        payload: '{}',
      });
      expect(response.statusCode, type).toBe(415);
      expect(response.json().error.code, type).toBe('PRV_BAD_REQUEST');
    }
    expect(releases).toHaveLength(1);
  });

  it('sends security headers', async () => {
    const response = await http.inject({ method: 'GET', url: '/api/deactivation-guard' });
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(response.headers['x-frame-options']).toBe('DENY');
  });
});
