import { createTestIssuer, type TestIssuer } from '@provision/auth/testing';
import { defaultMappingConfig } from '@provision/mapping';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyPicture } from '../domain/picture.ts';
import { InMemoryMappingStateStore, InMemoryPictureStore } from '../testing/fakes.ts';
import { registerConsoleRoutes } from './console-routes.ts';

let issuer: TestIssuer;
let http: FastifyInstance;
const USER = '0b7c1f4e-1111-4a2b-9c3d-000000000001';
let mappingState: InMemoryMappingStateStore;
const CHANGE = {
  fingerprint: 'bbbb',
  previous: 'aaaa',
  changeId: 'mapping-bbbb',
  summary: 'attribute mappings: added Title',
  changes: [{ kind: 'mapping' as const, key: 'Title', change: 'added' as const }],
  startedAt: '2026-11-26T11:00:00.000Z',
};

beforeAll(async () => {
  issuer = await createTestIssuer();
  const pictures = new InMemoryPictureStore();
  await pictures.save(
    [
      {
        ...emptyPicture(USER),
        known: true,
        attributes: { userPrincipalName: 'ada@contoso.test', displayName: 'Ada Lovelace', accountEnabled: true },
      },
    ],
    1,
  );
  mappingState = new InMemoryMappingStateStore();
  await mappingState.recordChange(CHANGE, {
    partition: 1,
    reevaluated: 1,
    commands: { update: 1 },
    at: CHANGE.startedAt,
  });
  http = Fastify({ logger: false });
  registerConsoleRoutes(http, {
    pictures,
    partitions: 2,
    mapping: defaultMappingConfig(),
    fingerprint: 'bbbb',
    mappingState,
    verifier: issuer.verifier,
    dryRun: false,
  });
  await http.ready();
});
afterAll(() => http.close());

const reader = async () => ({ authorization: `Bearer ${await issuer.userToken(['Provision.Read'])}` });

describe("the mapper's console routes", () => {
  it('need a token', async () => {
    for (const url of [`/api/users/${USER}`, '/api/mapping']) {
      expect((await http.inject({ method: 'GET', url })).statusCode, url).toBe(401);
    }
  });

  it("show a user's picture and the decision the mapper would take, with its reason", async () => {
    const answer = await http.inject({
      method: 'GET',
      url: `/api/users/${USER.toUpperCase()}`,
      headers: await reader(),
    });
    expect(answer.statusCode).toBe(200);
    const body = answer.json();
    expect(body.picture.attributes.userPrincipalName).toBe('ada@contoso.test');
    expect(body.picture.assignments).toEqual([]);
    // Not assigned to the app: out of scope, and the reason says so.
    expect(body.decision.inScope).toBe(false);
    expect(body.decision.action).toBe('skip');
    expect(body.decision.reasons.length).toBeGreaterThan(0);
  });

  it('answer 404 for a user the mapper has never seen and 400 for a malformed id', async () => {
    const headers = await reader();
    const missing = await http.inject({
      method: 'GET',
      url: '/api/users/0000aaaa-0000-0000-0000-000000000000',
      headers,
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('PRV_NOT_FOUND');
    expect((await http.inject({ method: 'GET', url: '/api/users/not%20an%20id', headers })).statusCode).toBe(400);
  });

  it('give the effective mapping', async () => {
    const answer = await http.inject({ method: 'GET', url: '/api/mapping', headers: await reader() });
    expect(answer.statusCode).toBe(200);
    expect(answer.json().mapping).toEqual(JSON.parse(JSON.stringify(defaultMappingConfig())));
  });

  it("give the mapping's fingerprint and the last mapping change, with each partition's re-evaluation", async () => {
    const answer = (await http.inject({ method: 'GET', url: '/api/mapping', headers: await reader() })).json();
    expect(answer.fingerprint).toBe('bbbb');
    expect(answer.lastChange).toEqual({
      ...CHANGE,
      partitions: [{ partition: 1, reevaluated: 1, commands: { update: 1 }, at: CHANGE.startedAt }],
    });
  });

  it('preview what another mapping would decide for the users it holds, changing nothing', async () => {
    const headers = { ...(await reader()), 'content-type': 'application/json' };
    // "Sync all users": Ada, not assigned, comes into scope.
    const proposed = JSON.stringify({ ...defaultMappingConfig(), scope: 'allUsers' });
    const answer = await http.inject({
      method: 'POST',
      url: '/api/mapping/preview',
      headers,
      payload: { mapping: proposed, sample: 10 },
    });
    expect(answer.statusCode).toBe(200);
    const body = answer.json();
    expect(body).toMatchObject({ sampled: 1, changed: 1 });
    expect(body.users[0]).toMatchObject({
      userId: USER,
      userPrincipalName: 'ada@contoso.test',
      current: { inScope: false, action: 'skip' },
      proposed: { inScope: true, action: 'create' },
    });
    expect(body.users[0].fields.map((f: { name: string }) => f.name)).toContain('Username');
    // The same mapping changes nothing.
    const same = await http.inject({
      method: 'POST',
      url: '/api/mapping/preview',
      headers,
      payload: { mapping: JSON.stringify(defaultMappingConfig()) },
    });
    expect(same.json()).toMatchObject({ sampled: 1, changed: 0, users: [] });
    const invalid = await http.inject({
      method: 'POST',
      url: '/api/mapping/preview',
      headers,
      payload: { mapping: 'version: 2' },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.code).toBe('PRV_MAPPING_INVALID');
    const tooMany = await http.inject({
      method: 'POST',
      url: '/api/mapping/preview',
      headers,
      payload: { mapping: proposed, sample: 10_000 },
    });
    expect(tooMany.statusCode).toBe(400);
  });
});
