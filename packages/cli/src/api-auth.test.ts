import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokenSource, defaultScope } from './api-auth.ts';
import { callService, useApiToken } from './http.ts';

const requests: { form: Record<string, string>; authorization?: string }[] = [];
const app = Fastify();
let base = '';

beforeAll(async () => {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );
  app.post('/tenant-1/oauth2/v2.0/token', async (request, reply) => {
    const form = request.body as Record<string, string>;
    requests.push({ form });
    if (form['client_secret'] !== 's3cret')
      return reply
        .code(401)
        .send({ error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
    return { token_type: 'Bearer', expires_in: 3599, access_token: 'token-1' };
  });
  app.get('/api/thing', async (request, reply) =>
    request.headers.authorization === 'Bearer token-1'
      ? { ok: true }
      : reply.code(401).send({ error: { code: 'PRV_UNAUTHENTICATED', message: 'Sign-in required.' } }),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});
afterAll(async () => {
  useApiToken(undefined);
  await app.close();
});

describe('the CLI signs in to the APIs with client credentials', () => {
  it('gets a token once (cached), with the services AUTH_* variables as fallbacks, and sends it', async () => {
    const source = apiTokenSource({
      PROVISION_CLIENT_ID: 'cli-1',
      PROVISION_CLIENT_SECRET: 's3cret',
      AUTH_TENANT_ID: 'tenant-1',
      AUTH_AUTHORITY_HOST: base,
      AUTH_AUDIENCE: 'app-1',
    });
    useApiToken(source);
    expect((await callService('audit service', `${base}/api/thing`)).status).toBe(200);
    expect((await callService('audit service', `${base}/api/thing`)).status).toBe(200);
    expect(requests).toEqual([
      {
        form: {
          grant_type: 'client_credentials',
          client_id: 'cli-1',
          client_secret: 's3cret',
          scope: 'api://app-1/.default',
        },
      },
    ]);
  });

  it('says what to set when no client is configured and the service answers 401', async () => {
    expect(apiTokenSource({})).toBeUndefined();
    useApiToken(undefined);
    const { errorMessage } = await import('./http.ts');
    const answer = await callService('audit service', `${base}/api/thing`);
    expect(errorMessage(answer)).toMatch(
      /^401 PRV_UNAUTHENTICATED: Sign-in required\. — sign in: set PROVISION_CLIENT_ID and PROVISION_CLIENT_SECRET/,
    );
  });

  it("fails with the identity provider's reason on a wrong secret", async () => {
    useApiToken(
      apiTokenSource({
        PROVISION_CLIENT_ID: 'cli-1',
        PROVISION_CLIENT_SECRET: 'wrong',
        PROVISION_TENANT_ID: 'tenant-1',
        PROVISION_AUTHORITY_HOST: base,
        PROVISION_API_SCOPE: 'api://app-1/.default',
      }),
    );
    await expect(callService('audit service', `${base}/api/thing`)).rejects.toThrow(/AADSTS7000215/);
  });

  it('derives the .default scope from a client id or an App ID URI', () => {
    expect(defaultScope('0b8f5c2e-3a1d-4e6f-8a9b-7c6d5e4f3a2b')).toBe(
      'api://0b8f5c2e-3a1d-4e6f-8a9b-7c6d5e4f3a2b/.default',
    );
    expect(defaultScope('api://provision/')).toBe('api://provision/.default');
  });
});
