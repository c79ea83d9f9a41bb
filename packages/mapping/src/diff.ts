import type { CurrentSalesforceUser, ModifiedProperty, SalesforceFieldValue } from './types.ts';

/**
 * Fields Salesforce compares case-insensitively, so a difference in case alone is no change:
 * Username (stored in lower case, unique case-insensitively) and Email (e-mail addresses are, in
 * practice; and Salesforce makes the user confirm each change of Email, so a needless one costs a
 * verification e-mail — reference §4.6). Every other field compares case-sensitively: a change of
 * case in a name is a real change.
 */
export const CASE_INSENSITIVE_FIELDS: ReadonlySet<string> = new Set(['Username', 'Email']);

/** Whether Salesforce's current value already equals the desired one for `field`. */
export function sameValue(
  field: string,
  desired: SalesforceFieldValue,
  current: SalesforceFieldValue | undefined,
): boolean {
  const a = desired;
  const b = current ?? null;
  if (a === null || b === null) return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    // Multi-valued fields are sets: order carries no meaning in Salesforce.
    const left = new Set((Array.isArray(a) ? a : [a]).map(String));
    const right = new Set((Array.isArray(b) ? b : [b]).map(String));
    return left.size === right.size && [...left].every((v) => right.has(v));
  }
  if (typeof a === 'boolean' || typeof b === 'boolean') return asBoolean(a) === asBoolean(b);
  const left = String(a);
  const right = String(b);
  return CASE_INSENSITIVE_FIELDS.has(field) ? left.toLowerCase() === right.toLowerCase() : left === right;
}

/** The fields of `desired` whose value differs from Salesforce's: the minimal update. */
export function diffFields(
  desired: Readonly<Record<string, SalesforceFieldValue>>,
  current: CurrentSalesforceUser,
): Record<string, SalesforceFieldValue> {
  const changed: Record<string, SalesforceFieldValue> = {};
  for (const [field, value] of Object.entries(desired)) {
    if (!sameValue(field, value, current[field])) changed[field] = value;
  }
  return changed;
}

/** Entra's "Modified Properties": each written field with its old and new value. */
export function modifiedProperties(
  fields: Readonly<Record<string, SalesforceFieldValue>>,
  current: CurrentSalesforceUser | null,
): ModifiedProperty[] {
  return Object.entries(fields).map(([name, newValue]) => ({ name, oldValue: current?.[name] ?? null, newValue }));
}

function asBoolean(v: SalesforceFieldValue): boolean | string {
  if (typeof v === 'boolean') return v;
  const lower = String(v).toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : String(v);
}
