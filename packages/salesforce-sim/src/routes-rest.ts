import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NOT_FOUND_MESSAGE, RestRequestError, type SaveError, type SaveResult } from './errors.ts';
import { to18 } from './ids.ts';
import type { Org, Row, Session } from './org.ts';
import { fieldValue, projectRow, rowById, runQuery } from './query.ts';
import { OBJECTS, type ObjectDef, objectDef } from './schema.ts';
import type { SimState } from './state.ts';
import { createUser, normalizeRecord, type Undo, updateUser } from './users.ts';

/** REST API versions served: 31.0 (oldest still supported) to 66.0. */
export const MIN_VERSION = 31;
export const MAX_VERSION = 66;
export const MAX_COLLECTION_RECORDS = 200;

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

function sessionOf(request: FastifyRequest): Session {
  if (!request.session) throw new RestRequestError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
  return request.session;
}

function base(request: FastifyRequest): string {
  return `/services/data/${(request.params as { version: string }).version}`;
}

function objectOr404(name: string): ObjectDef {
  const def = objectDef(name);
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
    custom: false,
    externalId: false,
    filterable: true,
    sortable: f.type !== 'textarea',
    groupable: f.type !== 'textarea',
    unique: f.name === 'Username' || f.name === 'CommunityNickname',
    idLookup: f.name === 'Id' || f.name === 'Username' || f.name === 'FederationIdentifier',
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

function assertWritable(def: ObjectDef, operation: 'insert' | 'update'): void {
  const allowed = operation === 'insert' ? def.createable : def.updateable;
  if (!allowed) {
    throw new RestRequestError(
      400,
      'INVALID_TYPE_FOR_OPERATION',
      `entity type ${def.name} does not support ${operation}`,
    );
  }
}

const ROLLED_BACK: SaveError = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

interface CollectionBody {
  allOrNone: boolean;
  records: Record<string, unknown>[];
}

function collectionBody(body: unknown): CollectionBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RestRequestError(
      400,
      'JSON_PARSER_ERROR',
      'Cannot deserialize instance of SObjectCollection from START_ARRAY',
    );
  }
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (key !== 'allOrNone' && key !== 'records') {
      throw new RestRequestError(400, 'JSON_PARSER_ERROR', `Unrecognized field "${key}"`);
    }
  }
  if (b['allOrNone'] !== undefined && typeof b['allOrNone'] !== 'boolean') {
    throw new RestRequestError(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of boolean for allOrNone');
  }
  const records = b['records'];
  if (!Array.isArray(records) || records.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))) {
    throw new RestRequestError(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of List<SObject> for records');
  }
  if (records.length > MAX_COLLECTION_RECORDS) {
    throw new RestRequestError(
      400,
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${MAX_COLLECTION_RECORDS} records into this call`,
      [],
    );
  }
  return { allOrNone: b['allOrNone'] === true, records };
}

function recordType(record: Record<string, unknown>): ObjectDef {
  const type = (record['attributes'] as { type?: unknown } | undefined)?.type;
  if (typeof type !== 'string' || type === '') {
    throw new RestRequestError(400, 'INVALID_TYPE', 'Must send a concrete entity type.', []);
  }
  const def = objectDef(type);
  if (!def) throw new RestRequestError(400, 'INVALID_TYPE', `sObject type '${type}' is not supported.`, []);
  return def;
}

/** Runs a Collections write: each record in order, all rolled back when allOrNone and any failed. */
function writeCollection(
  state: SimState,
  session: Session,
  body: CollectionBody,
  operation: 'insert' | 'update',
): SaveResult[] {
  const prepared = body.records.map((record) => {
    const def = recordType(record);
    assertWritable(def, operation);
    const { id, Id, ...rest } = record as Record<string, unknown>;
    const values = normalizeRecord(def, rest);
    if (operation === 'insert' && (id !== undefined || Id !== undefined)) values['Id'] = Id ?? id;
    return { def, id: Id ?? id, values };
  });
  const org = session.org;
  const undos: Undo[] = [];
  const results: SaveResult[] = [];
  let failed = false;
  for (const p of prepared) {
    const outcome =
      operation === 'insert'
        ? p.values['Id'] !== undefined
          ? {
              ok: false as const,
              errors: [
                {
                  statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
                  message: 'cannot specify Id in an insert call',
                  fields: ['Id'],
                },
              ],
            }
          : createUser(state.registry, org, p.values, session.userId)
        : updateUser(state.registry, org, p.id, p.values, session.userId);
    if (outcome.ok) {
      undos.push(outcome.undo);
      results.push({ id: outcome.id, success: true, errors: [] });
    } else {
      failed = true;
      const updateId = typeof p.id === 'string' ? (to18(p.id) ?? p.id) : undefined;
      results.push({
        ...(operation === 'update' && updateId ? { id: updateId } : {}),
        success: false,
        errors: outcome.errors,
      });
    }
  }
  if (failed && body.allOrNone) {
    for (const undo of undos.reverse()) undo();
    return results.map((r, i) =>
      r.success
        ? { ...(operation === 'update' ? { id: r.id } : {}), success: false, errors: [ROLLED_BACK] }
        : (results[i] as SaveResult),
    );
  }
  return results;
}

function queryBatchSize(request: FastifyRequest, org: Org): number {
  const header = request.headers['sforce-query-options'];
  const m = typeof header === 'string' ? /batchSize\s*=\s*(\d+)/i.exec(header) : null;
  if (!m) return org.settings.queryBatchSize;
  return Math.min(2000, Math.max(200, Number(m[1])));
}

function page(state: SimState, cursorId: string, offset: number, b: string): Row {
  const cursor = state.cursor(cursorId)!;
  const end = Math.min(offset + cursor.batchSize, cursor.rows.length);
  const records: Row[] = [];
  for (let i = offset; i < end; i++) {
    records.push(projectRow(cursor.org, cursor.object, cursor.rows[i]!, cursor.select, b));
  }
  const done = end >= cursor.rows.length;
  if (done) state.closeCursor(cursorId);
  return {
    totalSize: cursor.rows.length,
    done,
    ...(done ? {} : { nextRecordsUrl: `${b}/query/${cursorId}-${end}` }),
    records,
  };
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
    sessionOf(request);
    return {
      encoding: 'UTF-8',
      maxBatchSize: 200,
      sobjects: [...OBJECTS.values()].map((d) => describeObject(d, base(request))),
    };
  });

  app.get(`${v}/sobjects/:type/describe`, rest, async (request) => {
    sessionOf(request);
    const def = objectOr404((request.params as { type: string }).type);
    return { ...describeObject(def, base(request)), fields: def.fields.map(describeField) };
  });

  app.get(`${v}/sobjects/:type`, rest, async (request) => {
    sessionOf(request);
    const def = objectOr404((request.params as { type: string }).type);
    return { objectDescribe: describeObject(def, base(request)), recentItems: [] };
  });

  app.post(`${v}/sobjects/:type`, rest, async (request, reply) => {
    const session = sessionOf(request);
    const def = objectOr404((request.params as { type: string }).type);
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
    const outcome = createUser(state.registry, session.org, values, session.userId);
    if (!outcome.ok) return reply.code(400).send(toRestErrors(outcome.errors));
    return reply.code(201).send({ id: outcome.id, success: true, errors: [] });
  });

  app.get(`${v}/sobjects/:type/:id`, rest, async (request) => {
    const session = sessionOf(request);
    const { type, id } = request.params as { type: string; id: string };
    const def = objectOr404(type);
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
    const def = objectOr404(type);
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
  app.delete(`${v}/sobjects/:type/:id`, rest, async (request, reply) => {
    sessionOf(request);
    objectOr404((request.params as { type: string }).type);
    return reply
      .code(405)
      .header('allow', 'GET,HEAD,PATCH')
      .send([
        { errorCode: 'METHOD_NOT_ALLOWED', message: "HTTP Method 'DELETE' not allowed. Allowed are GET,HEAD,PATCH" },
      ]);
  });

  app.post(`${v}/composite/sobjects`, rest, async (request) =>
    writeCollection(state, sessionOf(request), collectionBody(request.body), 'insert'),
  );
  app.patch(`${v}/composite/sobjects`, rest, async (request) =>
    writeCollection(state, sessionOf(request), collectionBody(request.body), 'update'),
  );

  const query = async (request: FastifyRequest, reply: FastifyReply) => {
    const session = sessionOf(request);
    const q = (request.query as { q?: unknown }).q;
    if (typeof q !== 'string' || q.trim() === '') {
      throw new RestRequestError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    }
    const prepared = runQuery(state.registry, session.org, q);
    if (prepared.select === 'count') return reply.send({ totalSize: prepared.rows.length, done: true, records: [] });
    const cursorId = state.openCursor({
      org: session.org,
      object: prepared.object,
      select: prepared.select,
      rows: prepared.rows,
      batchSize: queryBatchSize(request, session.org),
    });
    return reply.send(page(state, cursorId, 0, base(request)));
  };
  const queryMore = async (request: FastifyRequest) => {
    const session = sessionOf(request);
    const locator = (request.params as { locator: string }).locator;
    const m = /^(01g[A-Za-z0-9_-]+)-(\d+)$/.exec(locator);
    const cursor = m ? state.cursor(m[1]!) : undefined;
    if (!m || !cursor || cursor.org !== session.org || Number(m[2]) > cursor.rows.length) {
      throw new RestRequestError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    }
    return page(state, m[1]!, Number(m[2]), base(request));
  };
  app.get(`${v}/query`, rest, query);
  app.get(`${v}/queryAll`, rest, query);
  app.get(`${v}/query/:locator`, rest, queryMore);
  app.get(`${v}/queryAll/:locator`, rest, queryMore);
}
