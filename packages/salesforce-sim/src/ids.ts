import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** The 3-character case-safe suffix Salesforce appends to a 15-character id. */
export function idSuffix(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    out += SUFFIX[bits];
  }
  return out;
}

/** Whether a string has the shape of a Salesforce id (15 or 18 alphanumerics). */
export function isIdShaped(value: string): boolean {
  return /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(value);
}

/** The 18-character form of a 15- or 18-character id, or undefined when it is not id-shaped. */
export function to18(value: string): string | undefined {
  if (!isIdShaped(value)) return undefined;
  const id15 = value.slice(0, 15);
  return id15 + idSuffix(id15);
}

function base62(n: number, width: number): string {
  let out = '';
  let rest = n;
  for (let i = 0; i < width; i++) {
    out = BASE62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

/** Issues ids for one org: key prefix + 2-character pod + a counter, like real record ids. */
export class IdFactory {
  readonly #pod: string;
  #next = 1;

  constructor(pod = base62(randomBytes(2).readUInt16BE(0), 2)) {
    this.#pod = pod;
  }

  /** A fresh 18-character id with the object's key prefix. */
  next(keyPrefix: string): string {
    const id15 = `${keyPrefix}${this.#pod}${base62(this.#next++, 10)}`;
    return id15 + idSuffix(id15);
  }

  /** A related id that shares the counter part of another id (e.g. a user's UserLogin). */
  sibling(keyPrefix: string, id: string): string {
    const id15 = keyPrefix + id.slice(3, 15);
    return id15 + idSuffix(id15);
  }
}
