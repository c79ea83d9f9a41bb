import type { FastifyInstance } from 'fastify';
import { assertWritable, collectionBody, deleteCollection, insertRecord, writeCollection } from './collections.ts';
import { NOT_FOUND_MESSAGE, RestRequestError, type SaveError } from './errors.ts';
import { to18 } from './ids.ts';
import { junctionOf, removeRow } from './junction.ts';
import type { Org, Row, Session } from './org.ts';
import { fieldValue, rowById } from './query.ts';
import { base, sessionOf } from './rest-common.ts';
import { registerCompositeRoute } from './routes-composite.ts';
import { registerQueryRoutes } from './routes-query.ts';
import { OBJECTS, type ObjectDef } from './schema.ts';
import type { SimState } from './state.ts';
import { normalizeRecord, updateUser } from './users.ts';

/** REST API versions served: 31.0 (oldest still supported) to 66.0. */
export const MIN_VERSION = 31;
export const MAX_VERSION = 66;

declare module 'fastify' {
  interface FastifyRequest {
    session?: Session;
  }
  interface FastifyContextConfig {
    /** Marks an authenticated REST route (session, limits, Sforce-Limit-Info). */
    rest?: boolean;
  }
}

const SEASONS = ['Winter', 'Spring', 'Summer'] as const;

function versionLabel(major: number): string {
  // v62.0 is Winter '25; three releases a year.
  const offset = major - 62;
  const season = SEASONS[((offset % 3) + 3) % 3]!;
  const year = 25 + Math.floor(offset / 3);
  return `${season} '${String(year).padStart(2, '0')}`;
}

/** The versions list (`GET /services/data`). */
export function versionsList(): { label: string; url: string; version: string }[] {
  const out = [];
  for (let v = MIN_VERSION; v <= MAX_VERSION; v++) {
    out.push({ label: versionLabel(v), url: `/services/data/v${v}.0`, version: `${v}.0` });
  }
  return out;
}

function objectOr404(org: Org, name: string): ObjectDef {
  const def = org.objectDef(name);
  if (!def) throw new RestRequestError(404, 'NOT_FOUND', NOT_FOUND_MESSAGE);
  return def;
}

function describeField(f: ObjectDef['fields'][number]): Row {
  return {
    name: f.name,
    label: f.label,
    type: f.type,
    length: f.length,
    nillable: f.nillable,
    createable: f.createable,
    updateable: f.updateable,
    defaultedOnCreate: f.type === 'boolean' || f.name === 'CommunityNickname' || !f.createable,
    custom: f.custom === true,
    externalId: f.externalId === true,
    filterable: true,
    sortable: f.type !== 'textarea',
    groupable: f.type !== 'textarea',
    unique: f.name === 'Username' || f.name === 'CommunityNickname' || f.unique === true,
    idLookup: f.name === 'Id' || f.name === 'Username' || f.name === 'FederationIdentifier' || f.externalId === true,
    nameField: f.name === 'Name',
    referenceTo: f.referenceTo ? [f.referenceTo] : [],
    relationshipName: f.relationshipName ?? null,
    restrictedPicklist: f.restrictedPicklist === true,
    picklistValues: (f.picklist ?? []).map((value) => ({
      active: true,
      defaultValue: false,
      label: value,
      validFor: null,
      value,
    })),
    soapType: `xsd:${f.type === 'boolean' ? 'boolean' : f.type === 'datetime' ? 'dateTime' : f.type === 'int' ? 'int' : 'string'}`,
  };
}

function describeObject(def: ObjectDef, b: string): Row {
  return {
    name: def.name,
    label: def.label,
    labelPlural: def.labelPlural,
    keyPrefix: def.keyPrefix,
    custom: false,
    createable: def.createable,
    updateable: def.updateable,
    deletable: def.deletable,
    queryable: true,
    retrieveable: true,
    searchable: def.name === 'User',
    undeletable: false,
    urls: {
      sobject: `${b}/sobjects/${def.name}`,
      describe: `${b}/sobjects/${def.name}/describe`,
      rowTemplate: `${b}/sobjects/${def.name}/{ID}`,
    },
  };
}

function toRestErrors(errors: readonly SaveError[]): Row[] {
  return errors.map((e) => ({ message: e.message, errorCode: e.statusCode, fields: e.fields }));
}

/** Registers the REST API: versions, resources, limits, sObjects, Collections, query. */
export function registerRestRoutes(app: FastifyInstance, state: SimState): void {
  const rest = { config: { rest: true } };
  const v = '/services/data/:version';

  app.get('/services/data', async () => versionsList());
  app.get('/services/data/', async () => versionsList());

  app.get(v, rest, async (request) => {
    sessionOf(request);
    const b = base(request);
    return {
      limits: `${b}/limits`,
      sobjects: `${b}/sobjects`,
      query: `${b}/query`,
      queryAll: `${b}/queryAll`,
      composite: `${b}/composite`,
    };
  });

  app.get(`${v}/limits`, rest, async (request) => {
    const { org } = sessionOf(request);
    const usage = org.apiUsage();
    return {
      DailyApiRequests: { Max: usage.limit, Remaining: Math.max(0, usage.limit - usage.used) },
      DailyBulkApiBatches: { Max: 15000, Remaining: 15000 },
      DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
      DataStorageMB: { Max: 1024, Remaining: 1024 },
      FileStorageMB: { Max: 1024, Remaining: 1024 },
    };
  });

  app.get(`${v}/sobjects`, rest, async (request) => {
    const session = sessionOf(request);
    return {
      encoding: 'UTF-8',
      maxBatchSize: 200,
      sobjects: [...OBJECTS.keys()].map((name) => describeObject(session.org.objectDef(name)!, base(request))),
    };
  });

  app.get(`${v}/sobjects/:type/describe`, rest, async (request) => {
    const session = sessionOf(request);
    const def = objectOr404(session.org, (request.params as { type: string }).type);
    return { ...describeObject(def, base(request)), fields: def.fields.map(describeField) };
  });

  app.get(`${v}/sobjects/:type`, rest, async (request) => {
    const session = sessionOf(request);
    const def = objectOr404(session.org, (request.params as { type: string }).type);
    return { objectDescribe: describeObject(def, base(request)), recentItems: [] };
  });

  app.post(`${v}/sobjects/:type`, rest, async (request, reply) => {
    const session = sessionOf(request);
    const def = objectOr404(session.org, (request.params as { type: string }).type);
    assertWritable(def, 'insert');
    if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body)) {
      throw new RestRequestError(
        400,
        'JSON_PARSER_ERROR',
        `Cannot deserialize instance of ${def.name} from START_ARRAY`,
      );
    }
    const values = normalizeRecord(def, request.body as Record<string, unknown>);
    if (values['Id'] !== undefined) {
      throw new RestRequestError(400, 'INVALID_FIELD_FOR_INSERT_UPDATE', 'cannot specify Id in an insert call', ['Id']);
    }
    const outcome = insertRecord(state, session, def, values);
    if (!outcome.ok) return reply.code(400).send(toRestErrors(outcome.errors));
    return reply.code(201).send({ id: outcome.id, success: true, errors: [] });
  });

  app.get(`${v}/sobjects/:type/:id`, rest, async (request) => {
    const session = sessionOf(request);
    const { type, id } = request.params as { type: string; id: string };
    const def = objectOr404(session.org, type);
    const id18 = to18(id);
    const row = id18 ? rowById(session.org, def.name, id18) : undefined;
    if (!row) throw new RestRequestError(404, 'NOT_FOUND', NOT_FOUND_MESSAGE, []);
    const wanted = (request.query as { fields?: string }).fields;
    const fields = wanted
      ? wanted.split(',').map((name) => {
          const f = def.byName.get(name.trim().toLowerCase());
          if (!f)
            throw new RestRequestError(400, 'INVALID_FIELD', `No such column '${name.trim()}' on entity '${def.name}'`);
          return f;
        })
      : def.fields;
    const out: Row = { attributes: { type: def.name, url: `${base(request)}/sobjects/${def.name}/${row['Id']}` } };
    for (const f of fields) out[f.name] = fieldValue(row, f);
    return out;
  });

  app.patch(`${v}/sobjects/:type/:id`, rest, async (request, reply) => {
    const session = sessionOf(request);
    const { type, id } = request.params as { type: string; id: string };
    const def = objectOr404(session.org, type);
    assertWritable(def, 'update');
    const id18 = to18(id);
    if (!id18 || !rowById(session.org, def.name, id18))
      throw new RestRequestError(404, 'NOT_FOUND', NOT_FOUND_MESSAGE, []);
    if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body)) {
      throw new RestRequestError(
        400,
        'JSON_PARSER_ERROR',
        `Cannot deserialize instance of ${def.name} from START_ARRAY`,
      );
    }
    const values = normalizeRecord(def, request.body as Record<string, unknown>);
    const outcome = updateUser(state.registry, session.org, id18, values, session.userId);
    if (!outcome.ok) return reply.code(400).send(toRestErrors(outcome.errors));
    return reply.code(204).send();
  });

  // User has no delete() call (reference §4.1, §4.5): users are deactivated, never deleted.
  // A PermissionSetAssignment is deleted to take a permission set (or group) away, a GroupMember to
  // leave a group, a PermissionSetLicenseAssign to take a licence back.
  app.delete(`${v}/sobjects/:type/:id`, rest, async (request, reply) => {
    const session = sessionOf(request);
    const { type, id } = request.params as { type: string; id: string };
    const def = objectOr404(session.org, type);
    if (def.deletable) {
      const id18 = to18(id);
      const table = id18?.startsWith(def.keyPrefix) ? junctionOf(session.org, id18) : undefined;
      const row = table && id18 ? removeRow(table, id18) : undefined;
      if (!row) throw new RestRequestError(404, 'NOT_FOUND', NOT_FOUND_MESSAGE, []);
      return reply.code(204).send();
    }
    return reply
      .code(405)
      .header('allow', 'GET,HEAD,PATCH')
      .send([
        { errorCode: 'METHOD_NOT_ALLOWED', message: "HTTP Method 'DELETE' not allowed. Allowed are GET,HEAD,PATCH" },
      ]);
  });

  app.post(`${v}/composite/sobjects`, rest, async (request) =>
    writeCollection(
      state,
      sessionOf(request),
      collectionBody(request.body),
      'insert',
      request.url,
      request.contention?.lockRate,
    ),
  );
  // Retrieve many: POST { ids, fields } (jsforce's retrieve() with an array); null for an unknown id.
  app.post(`${v}/composite/sobjects/:type`, rest, async (request) => {
    const session = sessionOf(request);
    const def = objectOr404(session.org, (request.params as { type: string }).type);
    const body = request.body as { ids?: unknown; fields?: unknown } | null;
    const ids = body?.ids;
    const names = body?.fields;
    if (!Array.isArray(ids) || !Array.isArray(names) || ![...ids, ...names].every((x) => typeof x === 'string')) {
      throw new RestRequestError(400, 'JSON_PARSER_ERROR', 'ids and fields must be arrays of strings');
    }
    if (ids.length > 2000) {
      throw new RestRequestError(
        400,
        'EXCEEDED_ID_LIMIT',
        'record limit reached. cannot submit more than 2000 records into this call',
      );
    }
    const fields = names.map((name: string) => {
      const f = def.byName.get(name.toLowerCase());
      if (!f) throw new RestRequestError(400, 'INVALID_FIELD', `No such column '${name}' on entity '${def.name}'`);
      return f;
    });
    return ids.map((id: string) => {
      const id18 = to18(id);
      const row = id18 ? rowById(session.org, def.name, id18) : undefined;
      if (!row) return null;
      const out: Row = { attributes: { type: def.name, url: `${base(request)}/sobjects/${def.name}/${row['Id']}` } };
      for (const f of fields) out[f.name] = fieldValue(row, f);
      return out;
    });
  });
  app.patch(`${v}/composite/sobjects`, rest, async (request) =>
    writeCollection(
      state,
      sessionOf(request),
      collectionBody(request.body),
      'update',
      request.url,
      request.contention?.lockRate,
    ),
  );
  app.delete(`${v}/composite/sobjects`, rest, async (request) =>
    deleteCollection(sessionOf(request), request.query as { ids?: unknown; allOrNone?: unknown }),
  );
  registerQueryRoutes(app, state);
  registerCompositeRoute(app, state);
}
