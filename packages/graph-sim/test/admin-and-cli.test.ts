import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphSim, startGraphSim, trustCertificate } from '../src/index.ts';

describe('graph-sim admin API over HTTPS', () => {
  let sim: GraphSim;
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sim.url}/__admin${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };

  beforeAll(async () => {
    sim = await startGraphSim();
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('seeds reproducibly, mutates users and groups, assigns, and counts requests', async () => {
    const seeded = await admin('POST', '/seed', { users: 40, seed: 5 });
    expect(seeded.status).toBe(200);
    const userIds = seeded.body?.['userIds'] as string[];
    expect(userIds).toHaveLength(40);

    const created = await admin('POST', '/users', { displayName: 'Pat Doe', mailNickname: 'pat', department: 'Sales' });
    expect(created).toMatchObject({
      status: 201,
      body: { displayName: 'Pat Doe', userPrincipalName: 'pat@contoso.onmicrosoft.com' },
    });
    const id = created.body?.['id'] as string;
    expect((await admin('PATCH', `/users/${id}`, { jobTitle: 'Rep' })).status).toBe(204);
    expect(sim.tenant.users.objects.get(id)?.props['jobTitle']).toBe('Rep');
    const assignment = await admin('POST', '/assignments', { principalId: id, role: 'Standard User' });
    expect(assignment).toMatchObject({ status: 201, body: { principalId: id, principalType: 'User' } });

    const group = await admin('POST', '/groups', { displayName: 'Sales EMEA', members: [id] });
    const groupId = group.body?.['id'] as string;
    expect(sim.tenant.groups.objects.get(groupId)?.members?.has(id)).toBe(true);
    expect((await admin('DELETE', `/groups/${groupId}/members/${id}`)).status).toBe(204);

    expect((await admin('DELETE', `/users/${id}`)).status).toBe(204);
    expect((await admin('GET', '/state')).body).toMatchObject({ deletedUsers: 1 });
    expect((await admin('POST', `/users/${id}/restore`)).status).toBe(204);
    expect((await admin('DELETE', `/users/${id}?hard=true`)).status).toBe(204);
    expect(sim.tenant.users.tombstones.has(id)).toBe(true);
    expect((await admin('DELETE', `/users/${id}`)).body).toMatchObject({ error: { code: 'Request_ResourceNotFound' } });

    expect(
      (await admin('POST', '/faults', { kind: 'error', status: 503, code: 'serviceNotAvailable', count: 1 })).status,
    ).toBe(204);
    for (const garbage of [{ kind: 'error', status: 'x', count: 1 }, { kind: 'nope', count: 1 }, [1, 2]]) {
      const refused = await admin('POST', '/faults', garbage);
      expect(refused).toMatchObject({ status: 400, body: { error: { code: 'BadRequest' } } });
    }
    expect((await admin('PUT', '/throttle', { requests: -1, windowSeconds: 0 })).status).toBe(400);
    expect((await admin('POST', '/seed', { users: 'many' })).status).toBe(400);
    const counts = (await admin('GET', '/requests')).body ?? {};
    expect(counts['POST /__admin/users']).toBe(1);
    expect(counts['total']).toBeGreaterThan(5);
  });
});

describe('graph-sim command', () => {
  it('prints one JSON line with the address and credentials, serves, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['packages/graph-sim/src/cli.ts', '--port', '0', '--users', '20', '--seed', '3'],
      {
        cwd: new URL('../../../', import.meta.url),
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      const lines = createInterface({ input: child.stdout });
      const [line] = (await once(lines, 'line')) as [string];
      const info = JSON.parse(line) as Record<string, string>;
      expect(Object.keys(info).sort()).toEqual(
        [
          'applicationId',
          'authorityHost',
          'caCertPath',
          'clientId',
          'clientSecret',
          'servicePrincipalId',
          'signIn',
          'tenantId',
          'url',
        ].sort(),
      );
      trustCertificate(await readFile(info['caCertPath'] ?? '', 'utf8'));
      const state = (await (await fetch(`${info['url']}/__admin/state`)).json()) as Record<string, number>;
      expect(state['users']).toBe(20);
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
    expect(child.exitCode).toBe(0);
  });
});
