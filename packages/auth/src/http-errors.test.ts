import { ProvisionError } from '@provision/errors';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from './api-routes.ts';
import { registerErrorHandling } from './http-errors.ts';
import { ROLES } from './roles.ts';
import { createTestIssuer, type TestIssuer } from './testing.ts';

let issuer: TestIssuer;
let app: FastifyInstance;
const logged: { level: string; fields: object; message: string | undefined }[] = [];
const log = {
  warn: (fields: object, message?: string) => logged.push({ level: 'warn', fields, message }),
  error: (fields: object, message?: string) => logged.push({ level: 'error', fields, message }),
};

beforeAll(async () => {
  issuer = await createTestIssuer();
  app = Fastify();
  registerErrorHandling(app, { service: 'test', log });
  app.get('/paused', async () => {
    throw new ProvisionError('PRV_PROVISIONING_PAUSED', 'Provisioning is paused', { details: { by: 'admin' } });
  });
  app.get('/kafka', async () => {
    throw new ProvisionError('PRV_KAFKA_UNAVAILABLE', 'no broker');
  });
  app.get('/bug', async () => {
    throw new TypeError('x is undefined');
  });
  app.post('/schema', { schema: { body: { type: 'object', required: ['a'] } } }, async () => ({}));
  apiRoutes(app, { verifier: issuer.verifier, role: ROLES.read, log }, (scope) => {
    scope.get('/api/read', async () => ({ ok: true }));
  });
  apiRoutes(app, { verifier: issuer.verifier, role: ROLES.operate, json: true, perMinute: 1, log }, (scope) => {
    scope.post('/api/act', async () => ({ done: true }));
  });
  await app.ready();
});
afterAll(() => app.close());

describe('registerErrorHandling', () => {
  it('answers a ProvisionError by its code with its whole JSON under error', async () => {
    const answer = await app.inject({ method: 'GET', url: '/paused' });
    expect(answer.statusCode).toBe(409);
    expect(answer.json()).toEqual({
      error: {
        code: 'PRV_PROVISIONING_PAUSED',
        message: 'Provisioning is paused',
        retriable: false,
        details: { by: 'admin' },
      },
    });
  });

  it('answers a retriable infrastructure error 503 and logs it', async () => {
    logged.length = 0;
    const answer = await app.inject({ method: 'GET', url: '/kafka' });
    expect(answer.statusCode).toBe(503);
    expect(answer.json().error).toMatchObject({ code: 'PRV_KAFKA_UNAVAILABLE', retriable: true });
    expect(logged.map((l) => l.message)).toEqual(['request failed']);
  });

  it('keeps a client error fastify detects as its 4xx, coded PRV_BAD_REQUEST', async () => {
    const answer = await app.inject({ method: 'POST', url: '/schema', payload: {} });
    expect(answer.statusCode).toBe(400);
    expect(answer.json().error).toMatchObject({ code: 'PRV_BAD_REQUEST', message: expect.stringContaining('a') });
  });

  it('answers an unexpected failure 500 without claiming a code or leaking its message', async () => {
    const answer = await app.inject({ method: 'GET', url: '/bug' });
    expect(answer.statusCode).toBe(500);
    expect(answer.json()).toEqual({
      error: { code: null, message: 'Internal error; see the test service log.', retriable: true, details: {} },
    });
  });

  it('answers an unknown route PRV_NOT_FOUND naming it', async () => {
    const answer = await app.inject({ method: 'GET', url: '/nowhere?x=1' });
    expect(answer.statusCode).toBe(404);
    expect(answer.json().error).toMatchObject({ code: 'PRV_NOT_FOUND', message: 'No route GET /nowhere' });
  });
});

describe('apiRoutes', () => {
  it('refuses an anonymous caller 401 in the same body shape, and logs the refusal', async () => {
    logged.length = 0;
    const answer = await app.inject({ method: 'GET', url: '/api/read' });
    expect(answer.statusCode).toBe(401);
    expect(answer.json().error).toMatchObject({ code: 'PRV_UNAUTHENTICATED', retriable: false });
    expect(logged).toEqual([
      {
        level: 'warn',
        fields: { status: 401, url: '/api/read', reason: expect.any(String) },
        message: 'API request refused',
      },
    ]);
  });

  it('lets a caller with the role through', async () => {
    const answer = await app.inject({
      method: 'GET',
      url: '/api/read',
      headers: { authorization: `Bearer ${await issuer.userToken([ROLES.read])}` },
    });
    expect(answer.json()).toEqual({ ok: true });
  });

  it('refuses a reader on an operate group 403 and a non-JSON write 415 before counting them, then past the rate 429', async () => {
    const reader = await app.inject({
      method: 'POST',
      url: '/api/act',
      payload: {},
      headers: { authorization: `Bearer ${await issuer.userToken([ROLES.read])}` },
    });
    expect(reader.statusCode).toBe(403);
    expect(reader.json().error.code).toBe('PRV_FORBIDDEN');
    const operator = { authorization: `Bearer ${await issuer.userToken([ROLES.operate])}` };
    const form = await app.inject({
      method: 'POST',
      url: '/api/act',
      payload: 'a=1',
      headers: { ...operator, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.statusCode).toBe(415);
    expect(form.json().error.code).toBe('PRV_BAD_REQUEST');
    const ok = await app.inject({ method: 'POST', url: '/api/act', payload: {}, headers: operator });
    expect(ok.json()).toEqual({ done: true });
    const over = await app.inject({ method: 'POST', url: '/api/act', payload: {}, headers: operator });
    expect(over.statusCode).toBe(429);
    expect(over.headers['retry-after']).toBeDefined();
    expect(over.json().error).toMatchObject({ code: 'PRV_BAD_REQUEST', message: expect.stringMatching(/Too many/) });
  });
});
