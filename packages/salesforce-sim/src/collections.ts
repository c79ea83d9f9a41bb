import { createAssignment, deleteRecord } from './assignments.ts';
import { RestRequestError, type SaveError, type SaveResult } from './errors.ts';
import { decideRecordFault } from './faults.ts';
import { createGroupMember } from './group-members.ts';
import { to18 } from './ids.ts';
import type { Org, Session } from './org.ts';
import { createLicenceAssignment } from './permission-set-licences.ts';
import type { ObjectDef } from './schema.ts';
import type { SimState } from './state.ts';
import { createUser, normalizeRecord, type Undo, updateUser, type WriteOutcome } from './users.ts';

export const MAX_COLLECTION_RECORDS = 200;

export function assertWritable(def: ObjectDef, operation: 'insert' | 'update'): void {
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

export function collectionBody(body: unknown): CollectionBody {
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

function recordType(org: Org, record: Record<string, unknown>): ObjectDef {
  const type = (record['attributes'] as { type?: unknown } | undefined)?.type;
  if (typeof type !== 'string' || type === '') {
    throw new RestRequestError(400, 'INVALID_TYPE', 'Must send a concrete entity type.', []);
  }
  const def = org.objectDef(type);
  if (!def) throw new RestRequestError(400, 'INVALID_TYPE', `sObject type '${type}' is not supported.`, []);
  return def;
}

/**
 * Runs a Collections write: each record in order, all rolled back when allOrNone and any failed.
 * `path` is the request's, for the injected `unableToLockRowRate` fault; `lockRate` is the
 * performance model's chance of a locked row per record (overlapping User writes).
 */
export function writeCollection(
  state: SimState,
  session: Session,
  body: CollectionBody,
  operation: 'insert' | 'update',
  path = '',
  lockRate = 0,
): SaveResult[] {
  const prepared = body.records.map((record) => {
    const def = recordType(session.org, record);
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
    const recordId = typeof p.id === 'string' ? p.id : undefined;
    const locked =
      decideRecordFault(state.faults, path, recordId) ??
      decideRecordFault({ unableToLockRowRate: lockRate }, path, recordId);
    const outcome = locked
      ? { ok: false as const, errors: [locked] }
      : operation === 'insert'
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
          : insertRecord(state, session, p.def, p.values)
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

/** Inserts one record of a createable object (User, PermissionSetAssignment, GroupMember, PermissionSetLicenseAssign). */
export function insertRecord(
  state: SimState,
  session: Session,
  def: ObjectDef,
  values: Record<string, unknown>,
): WriteOutcome {
  if (def.name === 'PermissionSetAssignment') return createAssignment(session.org, values);
  if (def.name === 'GroupMember') return createGroupMember(session.org, values);
  if (def.name === 'PermissionSetLicenseAssign') return createLicenceAssignment(session.org, values);
  return createUser(state.registry, session.org, values, session.userId);
}

/**
 * A Collections delete (`DELETE composite/sobjects?ids=…[&allOrNone=true]`): one result per id, in
 * order; with allOrNone, every delete is undone when one fails.
 */
export function deleteCollection(session: Session, query: { ids?: unknown; allOrNone?: unknown }): SaveResult[] {
  const raw = typeof query.ids === 'string' ? query.ids.split(',').filter((id) => id !== '') : [];
  if (raw.length === 0) {
    throw new RestRequestError(400, 'MISSING_ARGUMENT', 'ids parameter is required', []);
  }
  if (raw.length > MAX_COLLECTION_RECORDS) {
    throw new RestRequestError(
      400,
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${MAX_COLLECTION_RECORDS} records into this call`,
      [],
    );
  }
  const allOrNone = query.allOrNone === 'true';
  const outcomes = raw.map((id) => deleteRecord(session.org, id));
  const failed = outcomes.some((o) => !o.success);
  if (failed && allOrNone) {
    for (const o of [...outcomes].reverse()) o.undo?.();
    return outcomes.map((o) => (o.success ? { id: o.id ?? null, success: false, errors: [ROLLED_BACK] } : strip(o)));
  }
  return outcomes.map(strip);
}

function strip(o: SaveResult & { readonly undo?: () => void }): SaveResult {
  return { id: o.id ?? null, success: o.success, errors: o.errors };
}
