import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerOf, protect } from './fastify-auth.ts';
import { limitRate, requireJson, secureHeaders } from './http-security.ts';
import { ROLES } from './roles.ts';
import { createTestIssuer, type TestIssuer } from './testing.ts';

let issuer: TestIssuer;
let app: FastifyInstance;
const refused: number[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
  app = Fastify();
  secureHeaders(app);
  app.get('/healthz', async () => ({ status: 'ok' }));
  void app.register(async (scope) => {
    protect(scope, { verifier: issuer.verifier, role: ROLES.read, onRefused: (e) => refused.push(e.status) });
    scope.get('/api/read', async (request) => ({ caller: callerOf(request) }));
  });
  void app.register(async (scope) => {
    protect(scope, { verifier: issuer.verifier, role: ROLES.operate });
    requireJson(scope);
    await limitRate(scope, { max: 50, windowMs: 60_000 });
    scope.post('/api/act', async (request) => ({ by: callerOf(request).id, body: request.body }));
  });
  await app.ready();
});
afterAll(() => app.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('protect', () => {
  it('answers 401 with a Bearer challenge and no error code when no token is sent', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/read' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="Provision"');
    expect(response.json()).toMatchObject({ error: { code: 'PRV_UNAUTHENTICATED', message: /Sign-in required/ } });
  });

  it('answers 401 invalid_token with the reason for a bad token', async () => {
    const expired = await issuer.token({ exp: Math.floor(Date.now() / 1000) - 600 });
    for (const [authorization, reason] of [
      [`Bearer ${expired}`, 'The token is expired.'],
      ['Bearer not-a-jwt', 'The token is malformed.'],
      ['Bearer a b', 'The Authorization header is not Bearer <token>.'],
    ] as const) {
      const response = await app.inject({ method: 'GET', url: '/api/read', headers: { authorization } });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe(
        `Bearer realm="Provision", error="invalid_token", error_description="${reason}"`,
      );
      expect(response.json().error.message).toContain(reason.replace(/\.$/, ''));
    }
  });

  it('treats another scheme as no credentials', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/read', headers: { authorization: 'Basic YTpi' } });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="Provision"');
  });

  it('answers 403 naming the missing role', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/api/read',
      headers: bearer(await issuer.userToken([])),
    });
    expect(response.statusCode).toBe(403);
    expect(response.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);
    expect(response.json().error).toMatchObject({ code: 'PRV_FORBIDDEN', message: /Provision\.Read is required/ });
    const reader = await app.inject({
      method: 'POST',
      url: '/api/act',
      headers: { ...bearer(await issuer.userToken([ROLES.read])), 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(reader.statusCode).toBe(403);
    expect(reader.json().error.message).toMatch(/Provision\.Operate is required .* grants Provision\.Read/);
    expect(refused).toContain(403);
  });

  it('lets the right role through and gives the handler the caller', async () => {
    const read = await app.inject({
      method: 'GET',
      url: '/api/read',
      headers: bearer(await issuer.userToken([ROLES.read], { oid: 'u-1' })),
    });
    expect(read.statusCode).toBe(200);
    expect(read.json().caller).toMatchObject({ kind: 'user', id: 'u-1' });
    // Whoever may operate may read.
    const operator = await app.inject({
      method: 'GET',
      url: '/api/read',
      headers: bearer(await issuer.appToken([ROLES.operate])),
    });
    expect(operator.statusCode).toBe(200);
    const act = await app.inject({
      method: 'POST',
      url: '/api/act',
      headers: bearer(await issuer.appToken([ROLES.operate], { oid: 'sp-1' })),
      payload: { x: 1 },
    });
    expect(act.statusCode).toBe(200);
    expect(act.json()).toEqual({ by: 'sp-1', body: { x: 1 } });
  });

  it('leaves routes outside the protected scope open', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});

describe('requireJson', () => {
  it('refuses a write that is not application/json, even with a valid token (a cross-origin form or text/plain fetch)', async () => {
    const headers = bearer(await issuer.appToken([ROLES.operate]));
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/act',
        headers: { ...headers, 'content-type': type },
        payload: 'x=1',
      });
      expect(response.statusCode, type).toBe(415);
    }
    const none = await app.inject({ method: 'POST', url: '/api/act', headers });
    expect(none.statusCode).toBe(415);
  });

  it('checks the token first: an anonymous text/plain POST gets 401', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/act',
      headers: { 'content-type': 'text/plain' },
      payload: '{}',
    });
    expect(response.statusCode).toBe(401);
  });
});

describe('secureHeaders', () => {
  it('sends a locked-down CSP, nosniff, and no CORS', async () => {
    const response = await app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'http://evil.test' } });
    expect(response.headers['content-security-policy']).toBe(
      "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
    );
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/api/act',
      headers: { origin: 'http://evil.test', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-headers']).toBeUndefined();
  });
});

describe('limitRate', () => {
  it('answers 429 with Retry-After past the limit', async () => {
    const small = Fastify();
    void small.register(async (scope) => {
      await limitRate(scope, { max: 2, windowMs: 60_000 });
      scope.post('/hook', async () => 'ok');
    });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await small.inject({ method: 'POST', url: '/hook' })).statusCode);
    expect(statuses).toEqual([200, 200, 429]);
    const last = await small.inject({ method: 'POST', url: '/hook' });
    expect(last.headers['retry-after']).toBeDefined();
    await small.close();
  });
});
