import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type DeltaState, deltaPage, parseIdFilter, parseSelect } from '../delta.ts';
import { GraphHttpError, graphErrors } from '../graph-error.ts';
import { origin, queryString, rejectOptions, type SimContext } from './context.ts';

/** `GET /users/delta` and `/groups/delta` (also under their fully qualified `microsoft.graph.delta` names). */
export function registerDeltaRoutes(app: FastifyInstance, ctx: SimContext): void {
  for (const kind of ['user', 'group'] as const) {
    const handler = (request: FastifyRequest, reply: FastifyReply) => delta(kind, ctx, request, reply);
    app.get(`/v1.0/${kind}s/delta`, handler);
    app.get(`/v1.0/${kind}s/microsoft.graph.delta`, handler);
    app.get(`/v1.0/${kind}s/delta()`, handler);
  }
}

function delta(kind: 'user' | 'group', ctx: SimContext, request: FastifyRequest, reply: FastifyReply) {
  const query = request.query;
  rejectOptions(query, ['$expand', '$orderby', '$search', '$count']);
  const base = `${origin(request)}/v1.0/${kind}s/delta`;
  if (ctx.faults.take('GET', request.url, ['deltaReset'])?.kind === 'deltaReset') {
    reply.header('location', `${base}?$deltatoken=`);
    throw new GraphHttpError(
      410,
      'resyncRequired',
      'The delta token is no longer valid, and the app must reset the sync state.',
    );
  }
  const selectRaw = queryString(query, '$select');
  const filter = parseIdFilter(queryString(query, '$filter'));
  const skipToken = queryString(query, '$skiptoken');
  const deltaToken = queryString(query, '$deltatoken');
  const minimal = /(^|[,;\s])return=minimal\b/i.test(String(request.headers['prefer'] ?? ''));
  let state: DeltaState;
  if (skipToken !== undefined) {
    if (selectRaw !== undefined) {
      throw graphErrors.unsupportedQuery('Delta queries with both $select and $skiptoken are not supported.');
    }
    state = checked(ctx, kind, skipToken);
  } else if (deltaToken === 'latest') {
    const s = parseSelect(kind, selectRaw);
    const latest: DeltaState = {
      k: kind,
      s,
      f: ctx.tenant.currentSeq,
      t: Date.now(),
      g: ctx.settings.deltaGeneration,
      ...(filter ? { i: filter } : {}),
    };
    return send(reply, kind, s, [], undefined, `${base}?$deltatoken=${ctx.codec.encode(latest)}`, minimal);
  } else if (deltaToken !== undefined && deltaToken !== '') {
    state = checked(ctx, kind, deltaToken);
    // A $select on a deltaLink changes the tracked set from here on (supported for directory objects).
    if (selectRaw !== undefined) state = { ...state, s: parseSelect(kind, selectRaw) };
  } else {
    state = { k: kind, s: parseSelect(kind, selectRaw), f: 0, t: Date.now(), g: ctx.settings.deltaGeneration };
    if (filter) state = { ...state, i: filter };
  }
  const page = deltaPage(ctx.tenant, state, { pageSize: ctx.settings.deltaPageSize, minimal });
  const next = page.next ? `${base}?$skiptoken=${ctx.codec.encode(page.next)}` : undefined;
  const link = page.delta ? `${base}?$deltatoken=${ctx.codec.encode(page.delta)}` : undefined;
  return send(reply, kind, state.s, page.value, next, link, minimal);
}

function checked(ctx: SimContext, kind: 'user' | 'group', token: string): DeltaState {
  const state = ctx.codec.decode(token);
  if (
    !state ||
    state.k !== kind ||
    state.g !== ctx.settings.deltaGeneration ||
    Date.now() - state.t > ctx.settings.deltaTokenTtlMs
  ) {
    throw graphErrors.syncStateNotFound();
  }
  return state;
}

function send(
  reply: FastifyReply,
  kind: 'user' | 'group',
  select: readonly string[] | null,
  value: Record<string, unknown>[],
  nextLink: string | undefined,
  deltaLink: string | undefined,
  minimal: boolean,
) {
  const selected = select?.filter((name) => name !== 'members' && name !== 'owners');
  const context = `https://graph.microsoft.com/v1.0/$metadata#${kind}s${selected && selected.length > 0 ? `(${selected.join(',')})` : ''}`;
  if (minimal) reply.header('preference-applied', 'return=minimal');
  const body: Record<string, unknown> = { '@odata.context': context };
  if (nextLink) body['@odata.nextLink'] = nextLink;
  if (deltaLink) body['@odata.deltaLink'] = deltaLink;
  body['value'] = value;
  return body;
}
