import { createHash } from 'node:crypto';

/** A small, fast, seedable PRNG (mulberry32) so a seed number always yields the same tenant. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A version-4-shaped GUID drawn from `random`, so seeded tenants get the same object ids every time. */
export function guidFrom(random: () => number): string {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = Math.floor(random() * 256);
  return formatGuid(bytes, 4);
}

/** A name-based GUID (UUID v5 layout over SHA-1) of `name` within `namespace`. */
export function guidFromName(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replaceAll('-', ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  return formatGuid(new Uint8Array(hash.subarray(0, 16)), 5);
}

function formatGuid(bytes: Uint8Array, version: number): string {
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | (version << 4);
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The GUID pattern Graph accepts for object ids. */
export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A timestamp as Graph writes directory dates: ISO 8601 UTC without fractional seconds. */
export function graphTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
