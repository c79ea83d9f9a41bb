import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseSelect } from '../delta.ts';
import { GraphHttpError, graphErrors } from '../graph-error.ts';
import { GUID_PATTERN } from '../ids.ts';
import { renderObject } from '../render.ts';
import type { DirectoryObject } from '../tenant/object-store.ts';
import { GROUP_WRITABLE, USER_WRITABLE } from '../tenant/schema.ts';
import { jsonObject, origin, parseTop, queryString, rejectOptions, type SimContext } from './context.ts';

type Kind = 'user' | 'group';

/** Users, groups, members and `directory/deletedItems`. */
export function registerDirectoryRoutes(app: FastifyInstance, ctx: SimContext): void {
  const { tenant } = ctx;
  for (const kind of ['user', 'group'] as const) {
    const path = `/v1.0/${kind}s`;
    app.get(path, async (request) => list(ctx, request, kind, tenant.store(kind).active(), `${kind}s`));
    app.get(`${path}/:id`, async (request) => {
      const select = parseSelect(kind, queryString(request.query, '$select'));
      return {
        '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#${kind}s/$entity`,
        ...renderObject(kind, find(ctx, kind, idOf(request)), select),
      };
    });
    app.post(path, async (request, reply) => {
      const body = writable(kind, jsonObject(request.body));
      const id = randomUUID();
      const object = kind === 'user' ? createUser(ctx, id, body) : createGroup(ctx, id, body);
      reply.code(201);
      return {
        '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#${kind}s/$entity`,
        ...renderObject(kind, object, null),
      };
    });
    app.patch(`${path}/:id`, async (request, reply) => {
      const changes = writable(kind, jsonObject(request.body));
      const id = find(ctx, kind, idOf(request)).id;
      if (kind === 'user') tenant.updateUser(id, changes);
      else tenant.updateGroup(id, changes);
      reply.code(204);
    });
    app.delete(`${path}/:id`, async (request, reply) => {
      tenant.delete(kind, find(ctx, kind, idOf(request)).id);
      reply.code(204);
    });
    app.get(`/v1.0/directory/deletedItems/microsoft.graph.${kind}`, async (request) => {
      const deleted = [...tenant.store(kind).objects.values()].filter((o) => o.deletedDateTime !== null);
      return list(ctx, request, kind, deleted.values(), `directory/deletedItems/microsoft.graph.${kind}`);
    });
  }

  app.get('/v1.0/groups/:id/members', async (request) => {
    const group = tenant.activeGroup(idOf(request));
    const members: DirectoryObject[] = [];
    for (const memberId of group.members ?? []) {
      const member = tenant.users.objects.get(memberId) ?? tenant.groups.objects.get(memberId);
      if (member && member.deletedDateTime === null) members.push(member);
    }
    return list(ctx, request, 'member', members.values(), `directoryObjects`);
  });
  // A user's groups (direct membership; directory roles and administrative units are not modelled).
  const memberOf = async (request: FastifyRequest) => {
    const user = find(ctx, 'user', idOf(request));
    const groups = [...tenant.groups.active()].filter((group) => group.members?.has(user.id));
    const body = list(ctx, request, 'group', groups.values(), 'directoryObjects');
    body['value'] = (body['value'] as Record<string, unknown>[]).map((group) => ({
      '@odata.type': '#microsoft.graph.group',
      ...group,
    }));
    return body;
  };
  app.get('/v1.0/users/:id/memberOf', memberOf);
  app.get('/v1.0/users/:id/memberOf/microsoft.graph.group', memberOf);
  app.post('/v1.0/groups/:id/members/$ref', async (request, reply) => {
    const ref = jsonObject(request.body)['@odata.id'];
    const memberId = typeof ref === 'string' ? /([0-9a-f-]{36})\/?$/i.exec(ref)?.[1] : undefined;
    if (!memberId) throw graphErrors.badRequest('Invalid URL format specified in @odata.id.');
    tenant.addMember(idOf(request), memberId.toLowerCase());
    reply.code(204);
  });
  app.delete('/v1.0/groups/:id/members/:memberId/$ref', async (request, reply) => {
    const { id, memberId } = request.params as { id: string; memberId: string };
    tenant.removeMember(id.toLowerCase(), memberId.toLowerCase());
    reply.code(204);
  });

  app.get('/v1.0/directory/deletedItems/:id', async (request) => {
    const { kind, object } = tenant.deletedItem(idOf(request));
    return { '@odata.type': `#microsoft.graph.${kind}`, ...renderObject(kind, object, null) };
  });
  app.post('/v1.0/directory/deletedItems/:id/restore', async (request) => {
    const { kind, object } = tenant.restore(idOf(request));
    return {
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#directoryObjects/$entity',
      '@odata.type': `#microsoft.graph.${kind}`,
      ...renderObject(kind, object, null),
    };
  });
  app.delete('/v1.0/directory/deletedItems/:id', async (request, reply) => {
    tenant.purge(idOf(request));
    reply.code(204);
  });
}

function idOf(request: FastifyRequest): string {
  return (request.params as { id: string }).id.toLowerCase();
}

/** A user by id or userPrincipalName, a group by id; soft-deleted objects are not found. */
function find(ctx: SimContext, kind: Kind, key: string): DirectoryObject {
  if (kind === 'group' || GUID_PATTERN.test(key))
    return kind === 'user' ? ctx.tenant.activeUser(key) : ctx.tenant.activeGroup(key);
  for (const user of ctx.tenant.users.active()) {
    if (String(user.props['userPrincipalName']).toLowerCase() === key) return user;
  }
  throw graphErrors.notFound(key);
}

function writable(kind: Kind, body: Record<string, unknown>): Record<string, unknown> {
  const allowed = kind === 'user' ? USER_WRITABLE : GROUP_WRITABLE;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (
      key === 'passwordProfile' ||
      key.startsWith('@odata') ||
      key === 'members@odata.bind' ||
      key === 'owners@odata.bind'
    )
      continue;
    if (!allowed.has(key)) {
      throw graphErrors.badRequest(`Property '${key}' does not exist as a declared property or extension property.`);
    }
    out[key] = value;
  }
  return out;
}

function createUser(ctx: SimContext, id: string, body: Record<string, unknown>): DirectoryObject {
  for (const key of ['accountEnabled', 'displayName', 'mailNickname', 'userPrincipalName'] as const) {
    if (body[key] === undefined || body[key] === null) {
      throw graphErrors.badRequest(`Property '${key}' is required when creating the object.`);
    }
  }
  return ctx.tenant.createUser(id, { userType: 'Member', ...body });
}

function createGroup(ctx: SimContext, id: string, body: Record<string, unknown>): DirectoryObject {
  for (const key of ['displayName', 'mailEnabled', 'mailNickname', 'securityEnabled'] as const) {
    if (body[key] === undefined || body[key] === null) {
      throw graphErrors.badRequest(`Property '${key}' is required when creating the object.`);
    }
  }
  return ctx.tenant.createGroup(id, { groupTypes: [], ...body });
}

/** A server-paged collection (`$top`, `$select`, `@odata.nextLink` with an offset in a signed skip token). */
function list(
  ctx: SimContext,
  request: FastifyRequest,
  kind: Kind | 'member',
  source: IterableIterator<DirectoryObject>,
  contextPath: string,
): Record<string, unknown> {
  rejectOptions(request.query, ['$filter', '$orderby', '$search', '$expand']);
  const top = parseTop(request.query, 100, 999);
  const select = kind === 'member' ? null : parseSelect(kind, queryString(request.query, '$select'));
  const skip = queryString(request.query, '$skiptoken');
  let offset = 0;
  if (skip !== undefined) {
    const state = ctx.codec.decode(skip);
    if (!state || state.p === undefined) throw new GraphHttpError(400, 'Request_BadRequest', 'Invalid paging token.');
    offset = state.p;
  }
  const value: Record<string, unknown>[] = [];
  let index = 0;
  let more = false;
  for (const object of source) {
    if (index++ < offset) continue;
    if (value.length === top) {
      more = true;
      break;
    }
    const objectKind: Kind = kind === 'member' ? (ctx.tenant.users.objects.has(object.id) ? 'user' : 'group') : kind;
    const rendered = renderObject(objectKind, object, select);
    value.push(kind === 'member' ? { '@odata.type': `#microsoft.graph.${objectKind}`, ...rendered } : rendered);
  }
  const body: Record<string, unknown> = {
    '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#${contextPath}`,
  };
  if (more) {
    const url = new URL(`${origin(request)}${request.url}`);
    url.searchParams.delete('$skiptoken');
    const token = ctx.codec.encode({ k: 'user', s: null, f: 0, p: offset + top, t: Date.now(), g: 0 });
    body['@odata.nextLink'] = `${url.toString()}${url.search ? '&' : '?'}$skiptoken=${token}`;
  }
  body['value'] = value;
  return body;
}
