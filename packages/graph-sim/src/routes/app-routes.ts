import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GraphHttpError, graphErrors } from '../graph-error.ts';
import type { AppRoleAssignment } from '../tenant/tenant.ts';
import { jsonObject, origin, parseTop, queryString, rejectOptions, type SimContext } from './context.ts';

/** The enterprise application: `applications`, `servicePrincipals`, `appRoles` and `appRoleAssignedTo`. */
export function registerAppRoutes(app: FastifyInstance, ctx: SimContext): void {
  const { tenant } = ctx;
  const application = () => ({
    '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#applications/$entity',
    id: tenant.application.id,
    appId: tenant.application.appId,
    displayName: tenant.application.displayName,
    signInAudience: 'AzureADMyOrg',
    appRoles: tenant.application.appRoles,
  });
  const servicePrincipal = () => ({
    '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#servicePrincipals/$entity',
    id: tenant.servicePrincipal.id,
    appId: tenant.servicePrincipal.appId,
    displayName: tenant.servicePrincipal.displayName,
    appRoleAssignmentRequired: tenant.servicePrincipal.appRoleAssignmentRequired,
    servicePrincipalType: 'Application',
    accountEnabled: true,
    appRoles: tenant.application.appRoles,
  });
  const checkApp = (request: FastifyRequest) => {
    const id = (request.params as { id: string }).id.toLowerCase();
    if (id !== tenant.application.id) throw graphErrors.notFound(id);
  };
  const checkSp = (request: FastifyRequest) => {
    const id = (request.params as { id: string }).id.toLowerCase();
    if (id !== tenant.servicePrincipal.id) throw graphErrors.notFound(id);
  };
  const patchRoles = (body: unknown) => {
    const input = jsonObject(body);
    for (const key of Object.keys(input)) {
      if (key !== 'appRoles') throw graphErrors.badRequest(`Property '${key}' is read-only in this simulator.`);
    }
    if ('appRoles' in input) tenant.setAppRoles(input['appRoles']);
  };

  app.get('/v1.0/applications/:id', async (request) => {
    checkApp(request);
    return application();
  });
  app.patch('/v1.0/applications/:id', async (request, reply) => {
    checkApp(request);
    patchRoles(request.body);
    reply.code(204);
  });
  app.get('/v1.0/servicePrincipals/:id', async (request) => {
    checkSp(request);
    return servicePrincipal();
  });
  app.patch('/v1.0/servicePrincipals/:id', async (request, reply) => {
    checkSp(request);
    patchRoles(request.body);
    reply.code(204);
  });

  app.get('/v1.0/servicePrincipals/:id/appRoleAssignedTo', async (request) => {
    checkSp(request);
    rejectOptions(request.query, ['$filter', '$orderby', '$search', '$expand']);
    const top = parseTop(request.query, 100, 999);
    const skip = queryString(request.query, '$skiptoken');
    // Paged by key, not by offset: the token carries the paging key of the last assignment returned,
    // so an assignment removed (or hidden by a soft delete) between two page requests cannot shift
    // the listing and make the next page skip an item that is still assigned.
    let afterKey = 0;
    if (skip !== undefined) {
      const state = ctx.codec.decode(skip);
      if (!state || state.a === undefined) throw new GraphHttpError(400, 'Request_BadRequest', 'Invalid paging token.');
      afterKey = state.a;
    }
    const value: AppRoleAssignment[] = [];
    let lastKey = afterKey;
    let more = false;
    for (const { assignment, key } of tenant.visibleAssignmentsAfter(afterKey)) {
      if (value.length === top) {
        more = true;
        break;
      }
      value.push(assignment);
      lastKey = key;
    }
    const body: Record<string, unknown> = {
      '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#servicePrincipals('${tenant.servicePrincipal.id}')/appRoleAssignedTo`,
    };
    if (more) {
      const token = ctx.codec.encode({ k: 'user', s: null, f: 0, a: lastKey, t: Date.now(), g: 0 });
      body['@odata.nextLink'] =
        `${origin(request)}/v1.0/servicePrincipals/${tenant.servicePrincipal.id}/appRoleAssignedTo?$top=${top}&$skiptoken=${token}`;
    }
    body['value'] = value.map((assignment) => ({ ...assignment, deletedDateTime: null }));
    return body;
  });
  app.post('/v1.0/servicePrincipals/:id/appRoleAssignedTo', async (request, reply) => {
    checkSp(request);
    const body = jsonObject(request.body);
    for (const key of ['principalId', 'resourceId', 'appRoleId'] as const) {
      if (typeof body[key] !== 'string')
        throw graphErrors.badRequest(`Property '${key}' is required when creating the object.`);
    }
    const assignment = tenant.assign(
      String(body['principalId']).toLowerCase(),
      String(body['appRoleId']).toLowerCase(),
      String(body['resourceId']).toLowerCase(),
    );
    reply.code(201);
    return {
      '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#servicePrincipals('${tenant.servicePrincipal.id}')/appRoleAssignedTo/$entity`,
      ...assignment,
      deletedDateTime: null,
    };
  });
  app.delete('/v1.0/servicePrincipals/:id/appRoleAssignedTo/:assignmentId', async (request, reply) => {
    checkSp(request);
    tenant.unassign((request.params as { assignmentId: string }).assignmentId);
    reply.code(204);
  });
}
