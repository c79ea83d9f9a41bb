import type { EntraAttributeValue } from './types.ts';

/** A user's attributes, keyed as Graph returns them. */
export type Attributes = Readonly<Record<string, EntraAttributeValue>>;

/** An attribute by name, case-insensitively (Entra's attribute names are). */
export function attributeOf(attributes: Attributes, name: string): EntraAttributeValue {
  if (Object.hasOwn(attributes, name)) return attributes[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(attributes)) if (key.toLowerCase() === lower) return attributes[key];
  return undefined;
}
