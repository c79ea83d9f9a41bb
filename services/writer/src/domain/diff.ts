import type { ModifiedProperty } from '@provision/events';
import type { Fields, FieldValue } from './ports.ts';

// Salesforce stores these lower-cased (Username) or compares them so (Email): a case change alone
// must not cause an update on every command.
const CASE_INSENSITIVE = new Set(['Username', 'Email']);

/** The user's role's DeveloperName, as the directory reads it beside `UserRoleName` (the role's Name). */
export const ROLE_DEVELOPER_NAME_FIELD = 'UserRoleDeveloperName';

/** One canonical form per value: absent, null and '' alike; 'False' and false alike; lists as sets. */
function canonical(field: string, value: FieldValue | undefined): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (Array.isArray(value)) return JSON.stringify([...value].sort());
  if (typeof value === 'boolean') return String(value);
  const text = String(value);
  if (/^(true|false)$/i.test(text)) return text.toLowerCase();
  return CASE_INSENSITIVE.has(field) ? text.toLowerCase() : text;
}

/** Whether Salesforce already holds the desired value of `field`. */
export function sameValue(field: string, desired: FieldValue | undefined, current: FieldValue | undefined): boolean {
  return canonical(field, desired) === canonical(field, current);
}

/**
 * The desired fields that differ from the Salesforce record, and the change as Entra's log shows it.
 * With `usernameSuffix` (the mapping's usernameCollision), a username Provision suffixed because
 * another org held it is the user's own, not a difference.
 */
export function fieldDiff(
  desired: Fields,
  current: Fields,
  options: { readonly usernameSuffix?: string | undefined } = {},
): { fields: Fields; modified: ModifiedProperty[] } {
  const fields: Record<string, FieldValue> = {};
  const modified: ModifiedProperty[] = [];
  for (const [name, value] of Object.entries(desired)) {
    if (sameValue(name, value, current[name])) continue;
    if (name === 'Username' && isSuffixed(value, current[name], options.usernameSuffix)) continue;
    // A role given by DeveloperName is the role Salesforce names by its Name.
    if (name === 'UserRoleName' && value !== null && sameValue(name, value, current[ROLE_DEVELOPER_NAME_FIELD]))
      continue;
    fields[name] = value;
    modified.push({ name, oldValue: current[name] ?? null, newValue: value });
  }
  return { fields, modified };
}

/** Every field of a create, as `modifiedProperties` (no old values; a null sets nothing on a new user). */
export function creationProperties(fields: Fields): ModifiedProperty[] {
  return Object.entries(fields)
    .filter(([, newValue]) => newValue !== null)
    .map(([name, newValue]) => ({ name, newValue }));
}

/** Whether `current` is the desired username with the collision suffix appended. */
export function isSuffixed(desired: FieldValue | undefined, current: FieldValue | undefined, suffix?: string): boolean {
  return suffix !== undefined && typeof desired === 'string' && sameValue('Username', `${desired}${suffix}`, current);
}
