import type { AttributeValue } from '@provision/events';

/**
 * Graph user properties as event attributes. Scalars, null and string lists pass as they are;
 * `onPremisesExtensionAttributes` is flattened to `extensionAttribute1…15`, the names Entra's
 * attribute mappings use; other structured values have no attribute form and are left out.
 */
export function toAttributes(properties: Readonly<Record<string, unknown>>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(properties)) {
    if (name === 'id' || name.includes('@')) continue;
    if (name === 'onPremisesExtensionAttributes') {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const [key, inner] of Object.entries(value)) {
          if (inner === null || typeof inner === 'string') out[key] = inner;
        }
      }
      continue;
    }
    const converted = toValue(value);
    if (converted !== undefined) out[name] = converted;
  }
  return out;
}

function toValue(value: unknown): AttributeValue | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (Array.isArray(value)) return value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
  return undefined;
}
