import { ResponseType } from '@microsoft/microsoft-graph-client';
import { type GraphSim, startGraphSim } from '@provision/graph-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGraphClient } from '../src/index.ts';

// graph-sim's resource-unit throttling and collection rendering, through @microsoft/microsoft-graph-client.
describe('graph-sim resource units and collections through the Graph client', () => {
  let sim: GraphSim;

  beforeAll(async () => {
    // 20 users: a small tenant (< 50), 3,500 resource units per 10 s.
    sim = await startGraphSim({ users: 20, seed: 3, resourceUnits: true });
  });
  afterAll(async () => {
    await sim?.close();
  });

  const client = () => createGraphClient({ ...sim, graphUrl: sim.url });

  it('renders unset collections such as otherMails and proxyAddresses as [], never null', async () => {
    const id = [...sim.tenant.users.objects.keys()][0]!;
    const user = (await client()
      .api(`/users/${id}`)
      .select(['id', 'otherMails', 'proxyAddresses', 'mail'])
      .get()) as Record<string, unknown>;
    expect(user['otherMails']).toEqual([]);
    expect(user['proxyAddresses']).toEqual([]);
  });

  it('charges each request its cost, warns from 80 % of the bucket, then answers 429 with Retry-After', async () => {
    sim.admin.setResourceUnits(true);
    const graph = client();
    const users = async () => (await graph.api('/users').top(1).responseType(ResponseType.RAW).get()) as Response;
    const first = await users();
    expect(first.headers.get('x-ms-resource-unit')).toBe('2');
    expect(first.headers.get('x-ms-throttle-limit-percentage')).toBeNull();
    // GET /users costs 2: 1,400 of them take 2,800 of 3,500 units (80 %). The bucket refills
    // continuously (350 units a second), so keep going until the warning, then until the 429.
    let warned: string | null = null;
    let refused: Response | undefined;
    for (let i = 0; i < 5_000 && !refused; i++) {
      const response = await fetch(`${sim.url}/v1.0/users?$top=1`, { headers: { authorization: await token() } });
      if (response.status === 429) refused = response;
      else {
        warned ??= response.headers.get('x-ms-throttle-limit-percentage');
        await response.arrayBuffer();
      }
    }
    expect(Number(warned)).toBeGreaterThanOrEqual(0.8);
    expect(refused?.status).toBe(429);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused?.json()).toMatchObject({ error: { code: 'TooManyRequests' } });
    // The client's retry handler waits the Retry-After and gets through.
    expect((await users()).status).toBe(200);
    sim.admin.setResourceUnits(false);
  });

  let cached: string | undefined;
  async function token(): Promise<string> {
    if (cached) return cached;
    const response = await fetch(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: sim.clientId,
        client_secret: sim.clientSecret,
        grant_type: 'client_credentials',
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
    cached = `Bearer ${((await response.json()) as { access_token: string }).access_token}`;
    return cached;
  }
});
