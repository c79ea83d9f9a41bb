import { isProvisionError } from '@provision/errors';
import { type GraphSim, startGraphSim } from '@provision/graph-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGraphClient, GraphAppRoleAssignments, GraphDirectoryReader } from '../src/index.ts';

async function drain(pages: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of pages) n++;
  return n;
}

describe('authentication, throttling and $batch through the Graph client and @azure/identity', () => {
  let sim: GraphSim;

  beforeAll(async () => {
    sim = await startGraphSim({ users: 50, seed: 5 });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('gets a token from the simulated authority (OpenID configuration, then the token endpoint)', async () => {
    sim.admin.resetRequestCounts();
    const reader = new GraphDirectoryReader(createGraphClient({ ...sim, graphUrl: sim.url }));
    await drain(reader.users());
    const counts = sim.admin.requestCounts();
    expect(counts['GET /:tenant/v2.0/.well-known/openid-configuration']).toBe(1);
    expect(counts['POST /:tenant/oauth2/v2.0/token']).toBe(1);
    expect(counts['GET /v1.0/users/delta']).toBe(1);
  });

  it('reports a wrong client secret with the AADSTS error', async () => {
    const reader = new GraphDirectoryReader(createGraphClient({ ...sim, clientSecret: 'wrong', graphUrl: sim.url }));
    const error = await drain(reader.users()).catch((e: unknown) => e);
    expect(isProvisionError(error)).toBe(true);
    expect(String((error as Error).message)).toContain('AADSTS7000215');
  });

  it('answers 401 InvalidAuthenticationToken for a revoked token, without retrying', async () => {
    const reader = new GraphDirectoryReader(createGraphClient({ ...sim, graphUrl: sim.url }));
    await drain(reader.users());
    sim.admin.revokeAccessTokens();
    const error = await drain(reader.users()).catch((e: unknown) => e);
    expect(isProvisionError(error) && error.details).toMatchObject({
      status: 401,
      graphCode: 'InvalidAuthenticationToken',
    });
    expect(isProvisionError(error) && error.retriable).toBe(false);
    // The refused token is dropped: the next request signs in again and goes through.
    expect(await drain(reader.users())).toBeGreaterThan(0);
  });

  it('expires access tokens, and the client then fetches a new one', async () => {
    // 3 s, not 1: on a busy machine a second can pass between the token and its first use.
    sim.admin.updateSettings({ tokenLifetimeSeconds: 3 });
    try {
      const response = await fetch(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({
          client_id: sim.clientId,
          client_secret: sim.clientSecret,
          grant_type: 'client_credentials',
          scope: 'https://graph.microsoft.com/.default',
        }),
      });
      const { access_token: token, expires_in: expiresIn } = (await response.json()) as {
        access_token: string;
        expires_in: number;
      };
      expect(expiresIn).toBe(3);
      const use = () => fetch(`${sim.url}/v1.0/users?$top=1`, { headers: { authorization: `Bearer ${token}` } });
      expect((await use()).status).toBe(200);
      let refused: Response | undefined;
      const deadline = Date.now() + 8000;
      while (!refused && Date.now() < deadline) {
        const attempt = await use();
        if (attempt.status === 401) refused = attempt;
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (!refused) throw new Error('the expired token was never refused');
      expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('expired');

      sim.admin.resetRequestCounts();
      const reader = new GraphDirectoryReader(createGraphClient({ ...sim, graphUrl: sim.url }));
      await drain(reader.users());
      await drain(reader.users());
      // A token this short-lived is inside MSAL's refresh window, so every call fetches a fresh one.
      expect(sim.admin.requestCounts()['POST /:tenant/oauth2/v2.0/token']).toBe(2);
    } finally {
      sim.admin.updateSettings({ tokenLifetimeSeconds: 3599 });
    }
  });

  it('honours Retry-After on 429 and then succeeds', async () => {
    const assignments = new GraphAppRoleAssignments(
      createGraphClient({ ...sim, graphUrl: sim.url }),
      sim.servicePrincipalId,
    );
    sim.admin.resetRequestCounts();
    sim.admin.injectFault({ kind: 'throttle', retryAfterSeconds: 1, count: 1, path: '/v1.0/servicePrincipals' });
    const started = Date.now();
    expect(await drain(assignments.list())).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(sim.admin.requestCounts()['GET /v1.0/servicePrincipals/:id/appRoleAssignedTo']).toBe(2);
  });

  it('throttles by policy and reports a retriable error with the delay once retries are spent', async () => {
    const client = createGraphClient({ ...sim, graphUrl: sim.url });
    await client.api('/users').top(1).get();
    sim.admin.setThrottlePolicy({ requests: 0, windowSeconds: 60 });
    try {
      const { RetryHandlerOptions } = await import('@microsoft/microsoft-graph-client');
      const error = await client
        .api('/users')
        .middlewareOptions([new RetryHandlerOptions(0, 0)])
        .get()
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ statusCode: 429, code: 'TooManyRequests' });
      expect(Number((error as { headers: Headers }).headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      sim.admin.setThrottlePolicy(undefined);
    }
  });

  it('runs a JSON batch of up to 20 requests, each answered (and throttled) on its own', async () => {
    const client = createGraphClient({ ...sim, graphUrl: sim.url });
    const [u1, u2] = [...sim.tenant.users.active()].map((u) => u.id);
    sim.admin.injectFault({ kind: 'throttle', retryAfterSeconds: 7, count: 1, path: `/v1.0/users/${u2}` });
    const result = (await client.api('/$batch').post({
      requests: [
        { id: '1', method: 'GET', url: `/users/${u1}?$select=displayName` },
        { id: '2', method: 'GET', url: `/users/${u2}` },
        {
          id: '3',
          method: 'PATCH',
          url: `/users/${u1}`,
          headers: { 'Content-Type': 'application/json' },
          body: { jobTitle: 'Batched' },
        },
        { id: '4', method: 'GET', url: '/users/00000000-0000-0000-0000-00000000dead' },
      ],
    })) as { responses: { id: string; status: number; headers: Record<string, string>; body?: unknown }[] };
    const byId = new Map(result.responses.map((r) => [r.id, r]));
    expect(byId.get('1')).toMatchObject({ status: 200, body: { displayName: expect.any(String) } });
    expect(byId.get('2')).toMatchObject({ status: 429, headers: { 'retry-after': '7' } });
    expect(byId.get('3')?.status).toBe(204);
    expect(byId.get('4')).toMatchObject({ status: 404, body: { error: { code: 'Request_ResourceNotFound' } } });
    expect(sim.tenant.users.objects.get(u1 ?? '')?.props['jobTitle']).toBe('Batched');

    const tooMany = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/users' }));
    await expect(client.api('/$batch').post({ requests: tooMany })).rejects.toMatchObject({ statusCode: 400 });
  });
});
