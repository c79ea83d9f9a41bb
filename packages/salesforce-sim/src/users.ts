import { RestRequestError, type SaveError, saveError } from './errors.ts';
import { isIdShaped, to18 } from './ids.ts';
import type { Org, Registry, Row } from './org.ts';
import { type FieldDef, type ObjectDef, USER, USER_LOGIN } from './schema.ts';
import { userRuleErrors } from './user-rules.ts';

/** Undoes one applied write (for allOrNone rollback). */
export type Undo = () => void;

export type WriteOutcome =
  | { readonly ok: true; readonly id: string; readonly undo: Undo }
  | { readonly ok: false; readonly errors: readonly SaveError[] };

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]{2,}$/;

const DUPLICATE_USERNAME_MESSAGE =
  'Duplicate Username.<br>The username already exists in this or another Salesforce organization. ' +
  "Usernames must be unique across all Salesforce organizations. To resolve, use a different username (it doesn't " +
  "need to match the user's email address). ";

/**
 * Converts a JSON record into canonical field names and typed values. Unknown fields and values of
 * the wrong JSON type fail the whole request, as Salesforce's deserializer does.
 */
export function normalizeRecord(def: ObjectDef, record: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [key, raw] of Object.entries(record)) {
    if (key === 'attributes') continue;
    const field = def.byName.get(key.toLowerCase());
    if (!field) {
      throw new RestRequestError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${def.name}`, []);
    }
    out[field.name] = coerce(field, raw);
  }
  return out;
}

function coerce(field: FieldDef, raw: unknown): unknown {
  if (raw === null) return field.type === 'boolean' ? false : null;
  if (field.type === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    throw parserError(field, raw);
  }
  if (field.type === 'int' || field.type === 'double') {
    if (typeof raw === 'number') return raw;
    throw parserError(field, raw);
  }
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  throw parserError(field, raw);
}

function parserError(field: FieldDef, raw: unknown): RestRequestError {
  const kind = Array.isArray(raw) ? 'START_ARRAY' : typeof raw === 'object' ? 'START_OBJECT' : `VALUE_${typeof raw}`;
  return new RestRequestError(
    400,
    'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${field.type} from ${kind.toUpperCase()} value ${JSON.stringify(raw)} ` +
      'or request may be missing a required field',
    [],
  );
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** Field-level checks shared by create and update: writability, lengths, picklists, shapes, references. */
function fieldErrors(org: Org, def: ObjectDef, values: Row, mode: 'create' | 'update'): SaveError[] {
  const errors: SaveError[] = [];
  const readOnly = Object.keys(values).filter((name) => {
    const f = def.byName.get(name.toLowerCase())!;
    return mode === 'create' ? !f.createable : !f.updateable;
  });
  if (readOnly.length > 0) {
    errors.push(
      saveError(
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field ` +
          'and verify that it is read/write for your profile or permission set.',
        readOnly,
      ),
    );
  }
  const missing: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    const f = def.byName.get(name.toLowerCase())!;
    if (f.required && isBlank(value)) {
      if (mode === 'update') missing.push(f.name);
      continue;
    }
    if (typeof value !== 'string') continue;
    if (f.length > 0 && value.length > f.length) {
      errors.push(
        saveError('STRING_TOO_LONG', `${f.label}: data value too large: ${value} (max length=${f.length})`, [f.name]),
      );
    } else if (f.restrictedPicklist && f.picklist && f.createable && !f.picklist.includes(value)) {
      errors.push(
        saveError(
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          `${f.label}: bad value for restricted picklist field: ${value}`,
          [f.name],
        ),
      );
    } else if (f.type === 'reference' && value !== '' && f.createable) {
      const id = to18(value);
      if (!id) {
        errors.push(saveError('MALFORMED_ID', `${f.label}: id value of incorrect type: ${value}`, [f.name]));
      } else if (!referenceExists(org, f.referenceTo!, id)) {
        errors.push(
          saveError('INVALID_CROSS_REFERENCE_KEY', `${f.label}: id value of incorrect type: ${value}`, [f.name]),
        );
      } else {
        values[f.name] = id;
      }
    }
  }
  if (mode === 'create') {
    for (const f of def.fields) if (f.required && isBlank(values[f.name])) missing.push(f.name);
  }
  if (missing.length > 0) {
    errors.push(saveError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing));
  }
  const username = values['Username'];
  if (typeof username === 'string' && username !== '' && !EMAIL.test(username)) {
    errors.push(
      saveError(
        'FIELD_INTEGRITY_EXCEPTION',
        'Username must be in the form of an email address (for example, john@acme.com): Username',
        ['Username'],
      ),
    );
  }
  const email = values['Email'];
  if (typeof email === 'string' && email !== '' && !EMAIL.test(email)) {
    errors.push(saveError('INVALID_EMAIL_ADDRESS', `Email: invalid email address: ${email}`, ['Email']));
  }
  return errors;
}

function referenceExists(org: Org, objectName: string, id: string): boolean {
  switch (objectName) {
    case 'Profile':
      return org.profiles.has(id);
    case 'UserRole':
      return org.roles.has(id);
    case 'User':
      return org.users.has(id);
    default:
      return false;
  }
}

function duplicateUsername(registry: Registry, username: string, selfId?: string): SaveError | undefined {
  const holder = registry.usernames.get(username.toLowerCase());
  if (holder && holder.userId !== selfId) {
    return saveError('DUPLICATE_USERNAME', `${DUPLICATE_USERNAME_MESSAGE}: [Username]`, ['Username']);
  }
  return undefined;
}

/** The unique custom fields whose value `row` holds, as [field, lower-cased value]. */
function uniqueEntries(org: Org, row: Row): [FieldDef, string][] {
  return org.userObject.fields
    .filter((f) => f.unique === true && typeof row[f.name] === 'string' && row[f.name] !== '')
    .map((f) => [f, (row[f.name] as string).toLowerCase()]);
}

/** DUPLICATE_VALUE for the first unique custom field another user already holds the value of. */
function duplicateValue(org: Org, row: Row, selfId?: string): SaveError | undefined {
  for (const [f, value] of uniqueEntries(org, row)) {
    const holder = org.uniqueValues.get(f.name.toLowerCase())?.get(value);
    if (holder !== undefined && holder !== selfId) {
      return saveError(
        'DUPLICATE_VALUE',
        `duplicate value found: ${f.name} duplicates value on record with id: ${holder}`,
        [f.name],
      );
    }
  }
  return undefined;
}

/** Moves `id`'s unique values from `before` to `after` in the org's index. */
function indexUnique(org: Org, id: string, before: Row | null, after: Row | null): void {
  for (const [f, value] of before ? uniqueEntries(org, before) : []) {
    const index = org.uniqueValues.get(f.name.toLowerCase());
    if (index?.get(value) === id) index.delete(value);
  }
  for (const [f, value] of after ? uniqueEntries(org, after) : []) {
    const key = f.name.toLowerCase();
    const index = org.uniqueValues.get(key) ?? new Map<string, string>();
    org.uniqueValues.set(key, index);
    index.set(value, id);
  }
}

function duplicateNickname(org: Org, nickname: string, selfId?: string): SaveError | undefined {
  const holder = org.nicknames.get(nickname.toLowerCase());
  if (holder && holder !== selfId) {
    return saveError(
      'DUPLICATE_COMM_NICKNAME',
      'Duplicate Nickname.<br>Another user has already selected this nickname.<br>Please select another.: [CommunityNickname]',
      ['CommunityNickname'],
    );
  }
  return undefined;
}

function licenceError(org: Org, profileId: unknown): SaveError | undefined {
  const licence = org.licenceOfProfile(profileId);
  if (licence && licence.UsedLicenses >= licence.TotalLicenses) {
    return saveError('LICENSE_LIMIT_EXCEEDED', `License Limit Exceeded - ${licence.MasterLabel}`, []);
  }
  return undefined;
}

function nicknameFor(org: Org, username: string): string {
  const base = username.split('@')[0]!.slice(0, 32);
  let candidate = base;
  for (let n = 1; org.nicknames.has(candidate.toLowerCase()); n++) candidate = `${base}${n}`;
  return candidate;
}

function adjustLicence(org: Org, profileId: unknown, delta: number): void {
  const licence = org.licenceOfProfile(profileId);
  if (licence) licence.UsedLicenses += delta;
}

function fullName(row: Row): string {
  return [row['FirstName'], row['LastName']].filter((v) => typeof v === 'string' && v !== '').join(' ');
}

/** Creates one User in an org, applying Salesforce's validation rules. */
export function createUser(registry: Registry, org: Org, values: Row, actorId: string, now = new Date()): WriteOutcome {
  const errors = fieldErrors(org, org.userObject, values, 'create');
  if (errors.length > 0) return { ok: false, errors };
  const username = (values['Username'] as string).toLowerCase();
  const conflict =
    duplicateUsername(registry, username) ??
    (typeof values['CommunityNickname'] === 'string'
      ? duplicateNickname(org, values['CommunityNickname'])
      : undefined) ??
    duplicateValue(org, values);
  if (conflict) return { ok: false, errors: [conflict] };
  const refused = userRuleErrors(org, undefined, { ...values, IsActive: values['IsActive'] !== false });
  if (refused.length > 0) return { ok: false, errors: refused };
  const active = values['IsActive'] !== false;
  if (active) {
    const noLicence = licenceError(org, values['ProfileId']);
    if (noLicence) return { ok: false, errors: [noLicence] };
  }
  const id = org.ids.next(USER.keyPrefix);
  const stamp = now.toISOString().replace('Z', '+0000');
  const profile = org.profiles.get(values['ProfileId'] as string);
  const row: Row = {
    Id: id,
    ...values,
    Username: username,
    IsActive: active,
    CommunityNickname: values['CommunityNickname'] || nicknameFor(org, username),
    UserType: profile?.['UserType'] ?? 'Standard',
    CreatedDate: stamp,
    CreatedById: actorId || id,
    LastModifiedDate: stamp,
    LastModifiedById: actorId || id,
    SystemModstamp: stamp,
  };
  row['Name'] = fullName(row);
  org.users.set(id, row);
  registry.usernames.set(username, { org, userId: id });
  org.nicknames.set((row['CommunityNickname'] as string).toLowerCase(), id);
  indexUnique(org, id, null, row);
  if (active) adjustLicence(org, row['ProfileId'], 1);
  const undo = (): void => {
    indexUnique(org, id, row, null);
    org.users.delete(id);
    registry.usernames.delete(username);
    org.nicknames.delete((row['CommunityNickname'] as string).toLowerCase());
    if (active) adjustLicence(org, row['ProfileId'], -1);
  };
  return { ok: true, id, undo };
}

/**
 * Updates one User. An Email change stays pending (the user keeps the old address) until it is
 * confirmed, as Salesforce requires (reference §4.6).
 */
export function updateUser(
  registry: Registry,
  org: Org,
  rawId: unknown,
  values: Row,
  actorId: string,
  now = new Date(),
): WriteOutcome {
  if (typeof rawId !== 'string' || rawId === '') {
    return { ok: false, errors: [saveError('MISSING_ARGUMENT', 'Id not specified in an update call', [])] };
  }
  const id = to18(rawId);
  if (!id || !isIdShaped(rawId)) return { ok: false, errors: [saveError('MALFORMED_ID', `malformed id ${rawId}`, [])] };
  if (id.startsWith(USER_LOGIN.keyPrefix)) return updateUserLogin(org, id, values);
  const current = org.users.get(id);
  if (!current) {
    return { ok: false, errors: [saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [])] };
  }
  const errors = fieldErrors(org, org.userObject, values, 'update');
  if (errors.length > 0) return { ok: false, errors };
  const next: Row = { ...current, ...values };
  if (typeof values['Username'] === 'string') next['Username'] = values['Username'].toLowerCase();
  const oldUsername = current['Username'] as string;
  const newUsername = next['Username'] as string;
  const oldNickname = String(current['CommunityNickname']).toLowerCase();
  const newNickname = String(next['CommunityNickname']).toLowerCase();
  const conflict =
    (newUsername !== oldUsername ? duplicateUsername(registry, newUsername, id) : undefined) ??
    (newNickname !== oldNickname ? duplicateNickname(org, newNickname, id) : undefined) ??
    duplicateValue(org, values, id);
  if (conflict) return { ok: false, errors: [conflict] };
  const refused = userRuleErrors(org, current, next);
  if (refused.length > 0) return { ok: false, errors: refused };
  const wasActive = current['IsActive'] === true;
  const isActive = next['IsActive'] === true;
  const oldLicence = org.licenceOfProfile(current['ProfileId']);
  const newLicence = org.licenceOfProfile(next['ProfileId']);
  if (isActive && (!wasActive || oldLicence !== newLicence)) {
    const noLicence = licenceError(org, next['ProfileId']);
    if (noLicence) return { ok: false, errors: [noLicence] };
  }
  const previousPending = org.pendingEmails.get(id);
  if (typeof values['Email'] === 'string') {
    if (values['Email'].toLowerCase() !== String(current['Email']).toLowerCase()) {
      org.pendingEmails.set(id, values['Email']);
    } else {
      org.pendingEmails.delete(id);
    }
    next['Email'] = current['Email'];
  }
  const stamp = now.toISOString().replace('Z', '+0000');
  next['Name'] = fullName(next);
  next['LastModifiedDate'] = stamp;
  next['LastModifiedById'] = actorId;
  next['SystemModstamp'] = stamp;
  const profile = org.profiles.get(next['ProfileId'] as string);
  next['UserType'] = profile?.['UserType'] ?? current['UserType'];
  org.users.set(id, next);
  indexUnique(org, id, current, next);
  if (newUsername !== oldUsername) {
    registry.usernames.delete(oldUsername);
    registry.usernames.set(newUsername, { org, userId: id });
  }
  if (newNickname !== oldNickname) {
    org.nicknames.delete(oldNickname);
    org.nicknames.set(newNickname, id);
  }
  if (wasActive) adjustLicence(org, current['ProfileId'], -1);
  if (isActive) adjustLicence(org, next['ProfileId'], 1);
  const undo = (): void => {
    indexUnique(org, id, next, current);
    org.users.set(id, current);
    if (newUsername !== oldUsername) {
      registry.usernames.delete(newUsername);
      registry.usernames.set(oldUsername, { org, userId: id });
    }
    if (newNickname !== oldNickname) {
      org.nicknames.delete(newNickname);
      org.nicknames.set(oldNickname, id);
    }
    if (isActive) adjustLicence(org, next['ProfileId'], -1);
    if (wasActive) adjustLicence(org, current['ProfileId'], 1);
    if (previousPending === undefined) org.pendingEmails.delete(id);
    else org.pendingEmails.set(id, previousPending);
  };
  return { ok: true, id, undo };
}

function updateUserLogin(org: Org, id: string, values: Row): WriteOutcome {
  const userId = org.ids.sibling(USER.keyPrefix, id);
  if (!org.users.has(userId)) {
    return { ok: false, errors: [saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [])] };
  }
  const errors = fieldErrors(org, USER_LOGIN, values, 'update');
  if (values['IsPasswordLocked'] === true) {
    errors.push(
      saveError('FIELD_INTEGRITY_EXCEPTION', 'IsPasswordLocked can only be set to false', ['IsPasswordLocked']),
    );
  }
  if (errors.length > 0) return { ok: false, errors };
  const wasFrozen = org.frozen.has(userId);
  if (values['IsFrozen'] === true) org.frozen.add(userId);
  if (values['IsFrozen'] === false) org.frozen.delete(userId);
  return {
    ok: true,
    id,
    undo: () => {
      if (wasFrozen) org.frozen.add(userId);
      else org.frozen.delete(userId);
    },
  };
}

/** Applies a confirmed email change; false when none is pending. */
export function confirmEmail(org: Org, userId: string): boolean {
  const pending = org.pendingEmails.get(userId);
  const user = org.users.get(userId);
  if (pending === undefined || !user) return false;
  org.users.set(userId, { ...user, Email: pending });
  org.pendingEmails.delete(userId);
  return true;
}
