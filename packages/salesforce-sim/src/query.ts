import { RestRequestError } from './errors.ts';
import { featureLicenceMetricRows } from './feature-licence-metrics.ts';
import { to18 } from './ids.ts';
import type { Org, Registry, Row } from './org.ts';
import { licenceRow } from './permission-set-licences.ts';
import { type FieldDef, type ObjectDef, USER, USER_LOGIN } from './schema.ts';
import {
  type Condition,
  describeSoqlPosition,
  type FieldRef,
  type Literal,
  likeToRegExp,
  parseSoql,
  SoqlSyntaxError,
} from './soql.ts';

/** A field path resolved against the schema: the references to follow, then the field. */
export interface ResolvedPath {
  readonly hops: readonly FieldDef[];
  readonly field: FieldDef;
}

type Predicate = (row: Row) => boolean;

export interface PreparedQuery {
  readonly object: ObjectDef;
  readonly select: readonly ResolvedPath[] | 'count';
  readonly rows: readonly Row[];
}

const MORE_INFO =
  "If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. " +
  'Please reference your WSDL or the describe call for the appropriate names.';

/** The rows of an object in an org (UserLogin rows are derived from users). */
export function tableRows(org: Org, object: ObjectDef): Iterable<Row> {
  switch (object.name) {
    case 'User':
      return org.users.values();
    case 'Profile':
      return org.profiles.values();
    case 'UserLicense':
      return org.licences.values() as Iterable<Row>;
    case 'PermissionSet':
      return org.permissionSets.values();
    case 'PermissionSetAssignment':
      return org.assignments.values();
    case 'Group':
      return org.groups.values();
    case 'GroupMember':
      return org.groupMembers.values();
    case 'PermissionSetGroup':
      return org.permissionSetGroups.values();
    case 'PermissionSetLicense':
      return mapIterable(org.permissionSetLicences.values(), (row) => licenceRow(org, row));
    case 'PermissionSetLicenseAssign':
      return org.licenceAssignments.values();
    case 'UserRole':
      return org.roles.values();
    case 'UserLogin':
      return mapIterable(org.users.keys(), (id) => userLogin(org, id));
    case 'ActiveFeatureLicenseMetric':
      return featureLicenceMetricRows(org);
    default:
      return [];
  }
}

function* mapIterable<T, U>(items: Iterable<T>, fn: (item: T) => U): Iterable<U> {
  for (const item of items) yield fn(item);
}

function userLogin(org: Org, userId: string): Row {
  return {
    Id: org.ids.sibling(USER_LOGIN.keyPrefix, userId),
    UserId: userId,
    IsFrozen: org.frozen.has(userId),
    IsPasswordLocked: false,
  };
}

/** One record of an object by id, or undefined. */
export function rowById(org: Org, objectName: string, id: string): Row | undefined {
  switch (objectName) {
    case 'User':
      return org.users.get(id);
    case 'Profile':
      return org.profiles.get(id);
    case 'UserLicense':
      return org.licences.get(id) as Row | undefined;
    case 'PermissionSet':
      return org.permissionSets.get(id);
    case 'PermissionSetAssignment':
      return org.assignments.get(id);
    case 'Group':
      return org.groups.get(id);
    case 'GroupMember':
      return org.groupMembers.get(id);
    case 'PermissionSetGroup':
      return org.permissionSetGroups.get(id);
    case 'PermissionSetLicense': {
      const row = org.permissionSetLicences.get(id);
      return row ? licenceRow(org, row) : undefined;
    }
    case 'PermissionSetLicenseAssign':
      return org.licenceAssignments.get(id);
    case 'UserRole':
      return org.roles.get(id);
    case 'UserLogin': {
      const userId = org.ids.sibling(USER.keyPrefix, id);
      return org.users.has(userId) ? userLogin(org, userId) : undefined;
    }
    case 'ActiveFeatureLicenseMetric':
      return featureLicenceMetricRows(org).find((r) => r['Id'] === id);
    default:
      return undefined;
  }
}

/** The stored value of a field; absent booleans read as false, other absent fields as null. */
export function fieldValue(row: Row, field: FieldDef): unknown {
  const v = row[field.name];
  if (v === undefined) return field.type === 'boolean' ? false : null;
  return v;
}

function resolvePath(text: string, org: Org, object: ObjectDef, ref: FieldRef): ResolvedPath {
  const parts = ref.path.split('.');
  const hops: FieldDef[] = [];
  let current = object;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!;
    // SOQL accepts the object name as a prefix of its own fields (SELECT User.Id FROM User).
    if (i === 0 && hops.length === 0 && part.toLowerCase() === object.name.toLowerCase() && parts.length > 1) continue;
    const hop = current.byRelationship.get(part.toLowerCase());
    if (!hop) {
      throw new RestRequestError(
        400,
        'INVALID_FIELD',
        describeSoqlPosition(
          text,
          ref.pos,
          `Didn't understand relationship '${part}' in field path. If you are attempting to use a custom relationship, ` +
            "be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the " +
            'describe call for the appropriate names.',
        ),
      );
    }
    hops.push(hop);
    current = org.objectDef(hop.referenceTo!)!;
  }
  const last = parts[parts.length - 1]!;
  const field = current.byName.get(last.toLowerCase());
  if (!field) {
    throw new RestRequestError(
      400,
      'INVALID_FIELD',
      describeSoqlPosition(text, ref.pos, `No such column '${last}' on entity '${current.name}'. ${MORE_INFO}`),
    );
  }
  return { hops, field };
}

function readPath(org: Org, row: Row, path: ResolvedPath): unknown {
  let current: Row | undefined = row;
  for (const hop of path.hops) {
    const id: unknown = current[hop.name];
    current = typeof id === 'string' ? rowById(org, hop.referenceTo!, id) : undefined;
    if (!current) return null;
  }
  return fieldValue(current, path.field);
}

const TEXT_TYPES = new Set(['string', 'email', 'phone', 'textarea', 'picklist', 'id', 'reference']);

function checkLiteral(text: string, ref: FieldRef, field: FieldDef, value: Literal): void {
  if (value === null) return;
  const fail = (expected: string, quoted: boolean): never => {
    throw new RestRequestError(
      400,
      'INVALID_QUERY_FILTER_OPERATOR',
      describeSoqlPosition(
        text,
        ref.pos,
        `value of filter criterion for field '${field.name}' must be of type ${expected} and should ${quoted ? '' : 'not '}be enclosed in quotes`,
      ),
    );
  };
  if (field.type === 'boolean' && typeof value !== 'boolean') fail('boolean', false);
  if (TEXT_TYPES.has(field.type) && typeof value !== 'string') fail(field.type === 'id' ? 'id' : 'string', true);
  if ((field.type === 'int' || field.type === 'double') && typeof value !== 'number') fail('double', false);
  if (field.type === 'datetime' && (typeof value !== 'object' || Number.isNaN(Date.parse(value.date)))) {
    fail('dateTime', false);
  }
}

/** Normalises a stored value or literal so that SOQL comparisons behave (case-insensitive text, 15/18 ids). */
function comparable(field: FieldDef, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (field.type === 'id' || field.type === 'reference') return to18(String(value)) ?? String(value).toLowerCase();
  if (field.type === 'datetime') {
    const text = typeof value === 'object' ? (value as { date: string }).date : String(value);
    return Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  }
  if (typeof value === 'string') return value.toLowerCase();
  return value;
}

function compileCondition(text: string, org: Org, object: ObjectDef, cond: Condition): Predicate {
  switch (cond.kind) {
    case 'and': {
      const terms = cond.terms.map((t) => compileCondition(text, org, object, t));
      return (row) => terms.every((t) => t(row));
    }
    case 'or': {
      const terms = cond.terms.map((t) => compileCondition(text, org, object, t));
      return (row) => terms.some((t) => t(row));
    }
    case 'not': {
      const term = compileCondition(text, org, object, cond.term);
      return (row) => !term(row);
    }
    case 'compare': {
      const path = resolvePath(text, org, object, cond.field);
      checkLiteral(text, cond.field, path.field, cond.value);
      const want = comparable(path.field, cond.value);
      const op = cond.op;
      return (row) => {
        const have = comparable(path.field, readPath(org, row, path));
        if (op === '=') return have === want;
        if (op === '!=') return have !== want;
        if (have === null || want === null) return false;
        const h = have as number | string;
        const w = want as number | string;
        return op === '<' ? h < w : op === '<=' ? h <= w : op === '>' ? h > w : h >= w;
      };
    }
    case 'in': {
      const path = resolvePath(text, org, object, cond.field);
      for (const v of cond.values) checkLiteral(text, cond.field, path.field, v);
      const set = new Set(cond.values.map((v) => comparable(path.field, v)));
      const negated = cond.negated;
      return (row) => set.has(comparable(path.field, readPath(org, row, path))) !== negated;
    }
    case 'like': {
      const path = resolvePath(text, org, object, cond.field);
      if (!TEXT_TYPES.has(path.field.type)) {
        throw new RestRequestError(
          400,
          'INVALID_QUERY_FILTER_OPERATOR',
          describeSoqlPosition(
            text,
            cond.field.pos,
            `invalid operator on ${path.field.type} field: ${path.field.name}`,
          ),
        );
      }
      const re = likeToRegExp(cond.pattern);
      return (row) => {
        const v = readPath(org, row, path);
        return typeof v === 'string' && re.test(v);
      };
    }
  }
}

/** Values that an equality or IN on an indexed field restricts the rows to, if any. */
function indexedCandidates(
  registry: Registry,
  org: Org,
  object: ObjectDef,
  cond: Condition | undefined,
): Row[] | undefined {
  if (!cond) return undefined;
  if (cond.kind === 'and') {
    for (const term of cond.terms) {
      const rows = indexedCandidates(registry, org, object, term);
      if (rows) return rows;
    }
    return undefined;
  }
  let values: readonly Literal[];
  if (cond.kind === 'compare' && cond.op === '=') values = [cond.value];
  else if (cond.kind === 'in' && !cond.negated) values = cond.values;
  else return undefined;
  const name = cond.field.path.toLowerCase();
  const strings = values.filter((v): v is string => typeof v === 'string');
  const rows: Row[] = [];
  const push = (row: Row | undefined): void => {
    if (row) rows.push(row);
  };
  if (name === 'id' || (object.name === 'UserLogin' && name === 'userid')) {
    const unique = new Set(strings.map((s) => to18(s)).filter((s) => s !== undefined));
    for (const id of unique) {
      push(
        object.name === 'UserLogin' && name === 'userid'
          ? rowById(org, 'UserLogin', org.ids.sibling(USER_LOGIN.keyPrefix, id))
          : rowById(org, object.name, id),
      );
    }
    return rows;
  }
  if (object.name === 'User' && name === 'username') {
    // The username registry is shared by all orgs; keep only this org's users.
    for (const s of new Set(strings.map((v) => v.toLowerCase()))) {
      const holder = registry.usernames.get(s);
      if (holder?.org === org) push(org.users.get(holder.userId));
    }
    return rows;
  }
  if (object.name === 'PermissionSetAssignment' && name === 'assigneeid') {
    for (const s of new Set(strings.map((v) => to18(v)).filter((v) => v !== undefined))) {
      for (const id of org.assignmentsByUser.get(s) ?? []) push(org.assignments.get(id));
    }
    return rows;
  }
  if (object.name === 'PermissionSetLicenseAssign' && name === 'assigneeid') {
    for (const s of new Set(strings.map((v) => to18(v)).filter((v) => v !== undefined))) {
      for (const id of org.licenceAssignmentsByUser.get(s) ?? []) push(org.licenceAssignments.get(id));
    }
    return rows;
  }
  if (object.name === 'GroupMember' && name === 'userorgroupid') {
    for (const s of new Set(strings.map((v) => to18(v)).filter((v) => v !== undefined))) {
      for (const id of org.groupMembersByUser.get(s) ?? []) push(org.groupMembers.get(id));
    }
    return rows;
  }
  return undefined;
}

function sortRows(
  org: Org,
  rows: Row[],
  order: readonly { path: ResolvedPath; descending: boolean; nullsLast: boolean }[],
) {
  if (order.length === 0) return;
  rows.sort((a, b) => {
    for (const o of order) {
      const x = comparable(o.path.field, readPath(org, a, o.path));
      const y = comparable(o.path.field, readPath(org, b, o.path));
      if (x === y) continue;
      if (x === null) return o.nullsLast ? 1 : -1;
      if (y === null) return o.nullsLast ? -1 : 1;
      const c = (x as number | string) < (y as number | string) ? -1 : 1;
      return o.descending ? -c : c;
    }
    return 0;
  });
}

/** Objects that exist from an API version on (Object Reference). */
const MINIMUM_VERSION: Readonly<Record<string, number>> = { ActiveFeatureLicenseMetric: 52 };

/** Parses, resolves and runs a SOQL statement against an org; throws RestRequestError as Salesforce answers. */
export function runQuery(registry: Registry, org: Org, text: string, apiVersion = Number.NaN): PreparedQuery {
  let parsed: ReturnType<typeof parseSoql>;
  try {
    parsed = parseSoql(text);
  } catch (error) {
    if (error instanceof SoqlSyntaxError) {
      throw new RestRequestError(400, 'MALFORMED_QUERY', describeSoqlPosition(text, error.pos, error.message));
    }
    throw error;
  }
  const found = org.objectDef(parsed.from.name);
  // An object newer than the API version asked for does not exist in it.
  const object = found && (MINIMUM_VERSION[found.name] ?? 0) > apiVersion ? undefined : found;
  if (!object) {
    throw new RestRequestError(
      400,
      'INVALID_TYPE',
      describeSoqlPosition(
        text,
        parsed.from.pos,
        `sObject type '${parsed.from.name}' is not supported. If you are attempting to use a custom object, be sure ` +
          "to append the '__c' after the entity name. Please reference your WSDL or the describe call for the " +
          'appropriate names.',
      ),
    );
  }
  const select = parsed.select === 'count' ? 'count' : parsed.select.map((f) => resolvePath(text, org, object, f));
  if (select !== 'count') {
    const seen = new Set<string>();
    for (const [i, path] of select.entries()) {
      const key = [...path.hops.map((h) => h.relationshipName), path.field.name].join('.').toLowerCase();
      if (seen.has(key)) {
        const ref = (parsed.select as FieldRef[])[i]!;
        throw new RestRequestError(
          400,
          'MALFORMED_QUERY',
          describeSoqlPosition(text, ref.pos, `duplicate field selected: ${ref.path}`),
        );
      }
      seen.add(key);
    }
  }
  const predicate = parsed.where ? compileCondition(text, org, object, parsed.where) : () => true;
  const order = parsed.orderBy.map((o) => ({
    path: resolvePath(text, org, object, o.field),
    descending: o.descending,
    nullsLast: o.nullsLast,
  }));
  const candidates = indexedCandidates(registry, org, object, parsed.where) ?? tableRows(org, object);
  const rows: Row[] = [];
  for (const row of candidates) if (predicate(row)) rows.push(row);
  sortRows(org, rows, order);
  const start = parsed.offset ?? 0;
  const end = parsed.limit === undefined ? undefined : start + parsed.limit;
  return { object, select, rows: start > 0 || end !== undefined ? rows.slice(start, end) : rows };
}

/** Shapes one row as the REST API returns it: `attributes`, the selected fields, nested relationships. */
export function projectRow(org: Org, object: ObjectDef, row: Row, select: readonly ResolvedPath[], base: string): Row {
  const out: Row = { attributes: { type: object.name, url: `${base}/sobjects/${object.name}/${row['Id']}` } };
  for (const path of select) {
    let target = out;
    let source: Row | undefined = row;
    for (const hop of path.hops) {
      const rel = hop.relationshipName!;
      const id: unknown = source?.[hop.name];
      source = typeof id === 'string' ? rowById(org, hop.referenceTo!, id) : undefined;
      if (!source) {
        if (!(rel in target)) target[rel] = null;
        break;
      }
      let nested = target[rel] as Row | null | undefined;
      if (!nested) {
        nested = { attributes: { type: hop.referenceTo, url: `${base}/sobjects/${hop.referenceTo}/${source['Id']}` } };
        target[rel] = nested;
      }
      target = nested;
    }
    if (source) target[path.field.name] = fieldValue(source, path.field);
  }
  return out;
}
