import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphSim, startGraphSim } from '../src/index.ts';

interface Page {
  value: { id: string; principalId: string; principalType: string }[];
  '@odata.nextLink'?: string;
  error?: { code: string };
}

describe('graph-sim pages appRoleAssignedTo by key', () => {
  let sim: GraphSim;
  let token: string;

  beforeAll(async () => {
    sim = await startGraphSim({ users: 150, seed: 3 });
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

  const get = async (url: string) => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Page };
  };
  const firstPage = (top: number) =>
    `${sim.url}/v1.0/servicePrincipals/${sim.tenant.servicePrincipal.id}/appRoleAssignedTo?$top=${top}`;
  const visibleIds = () => new Set([...sim.tenant.visibleAssignments()].map((a) => a.id));

  it('lists every remaining assignment exactly once when assignments on earlier pages go away between page requests', async () => {
    const before = visibleIds();
    const top = 5;
    expect(before.size).toBeGreaterThan(top * 4);
    const removed = new Set<string>();
    const listed: string[] = [];
    let url: string | undefined = firstPage(top);
    for (let page = 0; url; page++) {
      const { status, body } = await get(url);
      expect(status).toBe(200);
      listed.push(...body.value.map((a) => a.id));
      const next = body['@odata.nextLink'];
      if (next !== undefined) {
        // Graph's wire shape: an absolute https link on the same host, with an opaque $skiptoken.
        expect(next.startsWith(`${sim.url}/v1.0/servicePrincipals/`)).toBe(true);
        expect(new URL(next).searchParams.get('$skiptoken')).toMatch(/^[\w-]+\.[\w-]+$/);
      }
      // Between pages, remove assignments already returned: by unassigning the page's first item,
      // and (every other page) by soft-deleting the user of its last one (hides its assignments).
      // With offset paging each removal made the next page skip its first item.
      const first = body.value[0];
      if (first && next !== undefined) {
        sim.admin.unassign(first.id);
        removed.add(first.id);
      }
      const last = body.value.at(-1);
      if (page % 2 === 1 && last?.principalType === 'User' && last.id !== first?.id && next !== undefined) {
        sim.admin.softDelete('user', last.principalId);
        for (const a of sim.tenant.assignments.values()) if (a.principalId === last.principalId) removed.add(a.id);
      }
      url = next;
    }
    expect(removed.size).toBeGreaterThan(4);
    const remaining = [...before].filter((id) => !removed.has(id));
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed).toEqual(expect.arrayContaining(remaining));
    expect(remaining.length).toBe(visibleIds().size);
  });

  it('still lists an assignment whose predecessor on the previous page was removed right at the page boundary', async () => {
    // The bench reproduction: the last item of a page is removed, then the next page is read.
    const top = 4;
    const page1 = await get(firstPage(top));
    const boundary = page1.body.value.at(-1);
    expect(boundary).toBeDefined();
    sim.admin.unassign(boundary!.id);
    const ordered = [...sim.tenant.visibleAssignments()].map((a) => a.id);
    const page2 = await get(page1.body['@odata.nextLink']!);
    expect(page2.body.value.map((a) => a.id)).toEqual(ordered.slice(top - 1, top - 1 + top));
  });

  it('refuses a skip token that is not one of its own', async () => {
    const { status, body } = await get(`${firstPage(5)}&$skiptoken=abc.def`);
    expect(status).toBe(400);
    expect(body.error?.code).toBe('Request_BadRequest');
  });
});
