import { registerErrorHandling } from '@provision/auth';
import { createTestIssuer, type TestIssuer } from '@provision/auth/testing';
import { defaultMappingConfig, type MappingConfig } from '@provision/mapping';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SalesforceCallError } from '../domain/errors.ts';
import { InMemorySalesforceDirectory } from '../testing/in-memory-directory.ts';
import { CountingBudget, InMemoryLinkStore } from '../testing/in-memory-stores.ts';
import { registerSalesforceUserRoutes } from './salesforce-user-routes.ts';

const USER = '0b7c1f4e-1111-4a2b-9c3d-000000000001';
const LINKED: MappingConfig = { ...defaultMappingConfig(), link: { field: 'EntraObjectId__c' } };

let issuer: TestIssuer;
let http: FastifyInstance | undefined;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterEach(() => http?.close());

async function serve(mapping: MappingConfig = LINKED) {
  const directory = new InMemorySalesforceDirectory();
  const links = new InMemoryLinkStore();
  const budget = new CountingBudget();
  http = Fastify({ logger: false });
  registerErrorHandling(http, { service: 'writer' });
  registerSalesforceUserRoutes(http, { directory, links, budget, mapping, verifier: issuer.verifier });
  await http.ready();
  const app = http;
  const get = async (url: string, roles: readonly string[] = ['Provision.Read']) =>
    app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${await issuer.userToken(roles)}` } });
  return { directory, links, budget, get };
}

const ada = {
  Username: 'ada@contoso.test',
  Email: 'ada@contoso.test',
  FirstName: 'Ada',
  LastName: 'Lovelace',
  ProfileName: 'Standard User',
  UserRoleName: 'Sales Rep',
  LastModifiedDate: '2026-11-20T08:00:00.000Z',
};

describe('GET /api/salesforce-users/:entraObjectId', () => {
  it('finds the user by the stored link first, with its profile, role, mapped fields and permission sets, in two calls', async () => {
    const { directory, links, budget, get } = await serve();
    const id = directory.seed(ada);
    directory.assignments.set(id, new Set(['Sales_Cloud_User']));
    links.links.set(USER, id);
    const answer = await get(`/api/salesforce-users/${USER.toUpperCase()}`);
    expect(answer.statusCode).toBe(200);
    const body = answer.json();
    expect(body).toMatchObject({
      userId: USER,
      foundBy: 'stored-link',
      link: { field: 'EntraObjectId__c' },
      salesforce: {
        id,
        username: 'ada@contoso.test',
        isActive: true,
        profileName: 'Standard User',
        userRole: 'Sales Rep',
        lastModifiedDate: '2026-11-20T08:00:00.000Z',
        permissionSets: ['Sales_Cloud_User'],
      },
      apiCalls: 2,
    });
    expect(body.salesforce.fields).toMatchObject({ FirstName: 'Ada', LastName: 'Lovelace', EntraObjectId__c: null });
    expect(body.tried).toEqual([{ by: 'stored-link', attribute: 'Id', value: id, found: [id] }]);
    // One query for the user, one for the permission sets: both charged to the writers' shared budget.
    expect(budget.spent).toBe(2);
  });

  it('with group membership rules, also reads the public groups and queues, in one more call', async () => {
    const { directory, links, budget, get } = await serve({
      ...LINKED,
      groupMembershipRules: [{ group: 'g1', publicGroups: ['Sales_Team'], queues: ['Leads_Queue'] }],
    });
    const id = directory.seed(ada);
    directory.memberships.set(id, new Set(['publicGroup:Sales_Team', 'queue:Leads_Queue']));
    links.links.set(USER, id);
    const body = (await get(`/api/salesforce-users/${USER}`)).json();
    expect(body.salesforce.groupMemberships).toEqual({ publicGroups: ['Sales_Team'], queues: ['Leads_Queue'] });
    expect(body.apiCalls).toBe(3);
    expect(budget.spent).toBe(3);
  });

  it('with permission set group and licence rules, also reads those, in one more call each', async () => {
    const { directory, links, get } = await serve({
      ...LINKED,
      permissionSetGroupRules: [{ group: 'g1', permissionSetGroups: ['Console_Agents'] }],
      permissionSetLicenseRules: [{ group: 'g1', permissionSetLicenses: ['SalesConsoleUser'] }],
    });
    const id = directory.seed(ada);
    directory.permissionSetGroups.set(id, new Set(['Console_Agents']));
    directory.permissionSetLicenses.set(id, new Set(['SalesConsoleUser']));
    links.links.set(USER, id);
    const body = (await get(`/api/salesforce-users/${USER}`)).json();
    expect(body.salesforce.permissionSetGroups).toEqual(['Console_Agents']);
    expect(body.salesforce.permissionSetLicenses).toEqual(['SalesConsoleUser']);
    expect(body.salesforce.groupMemberships).toBeUndefined();
    expect(body.apiCalls).toBe(4);
  });

  it('finds it by the durable link field when no link is stored, and stores nothing (a read)', async () => {
    const { directory, links, get } = await serve();
    const id = directory.seed({ ...ada, EntraObjectId__c: USER });
    const body = (await get(`/api/salesforce-users/${USER}`)).json();
    expect(body.foundBy).toBe('link-field');
    expect(body.salesforce.id).toBe(id);
    expect(links.links.size).toBe(0);
  });

  it('finds it by the matching attribute the console passes, as the writer matches an unlinked user', async () => {
    const { directory, get } = await serve();
    const id = directory.seed(ada);
    const answer = await get(`/api/salesforce-users/${USER}?matchAttribute=Username&matchValue=ADA@contoso.test`);
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ foundBy: 'matching-attribute', salesforce: { id } });
    expect(answer.json().tried.map((t: { by: string }) => t.by)).toEqual(['link-field', 'matching-attribute']);
  });

  it('answers 404 with what it searched when no user is found, and does not delete a stale link', async () => {
    const { links, get } = await serve();
    links.links.set(USER, '005000000000404AAA');
    const answer = await get(`/api/salesforce-users/${USER}?matchAttribute=Username&matchValue=nobody@contoso.test`);
    expect(answer.statusCode).toBe(404);
    const body = answer.json().error;
    expect(body).toMatchObject({ code: 'PRV_NOT_FOUND', details: { reason: 'not-found' } });
    expect(body.message).toContain('the stored link (005000000000404AAA) points to no user');
    expect(body.message).toContain('no user has it in EntraObjectId__c');
    expect(body.message).toContain('no user has Username = nobody@contoso.test');
    expect(links.links.get(USER)).toBe('005000000000404AAA');
  });

  it('says so when it has nothing to search by: no link stored, no link field, no matching value', async () => {
    const { get } = await serve(defaultMappingConfig());
    const answer = await get(`/api/salesforce-users/${USER}`);
    expect(answer.statusCode).toBe(404);
    expect(answer.json().error.details).toMatchObject({ reason: 'no-key', tried: [], apiCalls: 0 });
    expect(answer.json().error.message).toContain('the mapping declares no link field');
  });

  it('answers 409 when several users match', async () => {
    const { directory, get } = await serve();
    directory.seed({ ...ada, EntraObjectId__c: USER });
    directory.seed({ ...ada, Username: 'ada2@contoso.test', EntraObjectId__c: USER });
    const answer = await get(`/api/salesforce-users/${USER}`);
    expect(answer.statusCode).toBe(409);
    expect(answer.json().error).toMatchObject({ code: 'PRV_AMBIGUOUS', details: { reason: 'ambiguous' } });
    expect(answer.json().error.details.ids).toHaveLength(2);
  });

  it('answers 503 with the Entra-style code when Salesforce is unavailable, 502 when it refuses', async () => {
    const { directory, links, get } = await serve();
    links.links.set(USER, directory.seed(ada));
    directory.failNextCall(
      'query',
      new SalesforceCallError({
        code: 'SalesforceServiceUnavailable',
        message: 'HTTP 503',
        fields: [],
        retriable: true,
      }),
    );
    const down = await get(`/api/salesforce-users/${USER}`);
    expect(down.statusCode).toBe(503);
    expect(down.json().error).toMatchObject({ code: 'SalesforceServiceUnavailable', retriable: true });
    directory.failNextCall(
      'query',
      new SalesforceCallError({
        code: 'SalesforceAuthenticationFailed',
        message: 'INVALID_LOGIN',
        fields: [],
        retriable: false,
      }),
    );
    const refused = await get(`/api/salesforce-users/${USER}`);
    expect(refused.statusCode).toBe(502);
    expect(refused.json().error).toMatchObject({ code: 'SalesforceAuthenticationFailed', retriable: false });
  });

  it('needs a token with Provision.Read (or Operate), and refuses other roles', async () => {
    const { get } = await serve();
    const anonymous = await http!.inject({ method: 'GET', url: `/api/salesforce-users/${USER}` });
    expect(anonymous.statusCode).toBe(401);
    expect((await get(`/api/salesforce-users/${USER}`, [])).statusCode).toBe(403);
    expect((await get(`/api/salesforce-users/${USER}`, ['Provision.Operate'])).statusCode).toBe(404);
  });

  it('refuses a match by an attribute the mapping does not match by, and a bad id', async () => {
    const { get } = await serve();
    const other = await get(`/api/salesforce-users/${USER}?matchAttribute=Department&matchValue=Sales`);
    expect(other.statusCode).toBe(400);
    expect(other.json().error).toMatchObject({ code: 'PRV_BAD_REQUEST', message: expect.stringContaining('Username') });
    expect((await get(`/api/salesforce-users/${USER}?matchAttribute=Username`)).statusCode).toBe(400);
    expect((await get('/api/salesforce-users/not%20an%20id')).statusCode).toBe(400);
  });
});
