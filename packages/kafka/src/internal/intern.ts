/** Strings longer than this are rarely repeated across messages (ids, timestamps, free text). */
const MAX_LENGTH = 64;
/** Distinct strings kept at most; past it the table starts again (a bound, not a cache policy). */
const MAX_ENTRIES = 20_000;

/**
 * One instance of each short string value: JSON.parse makes a new string for every value, so a
 * hand of thousands of events holds thousands of copies of the same time zone, locale, profile or
 * header (7.7 MB of a writer's 80 MB heap in a sync's backlog). Interning walks plain objects and
 * arrays in place.
 */
export class Interner {
  #table = new Map<string, string>();

  /** Distinct strings known. */
  get size(): number {
    return this.#table.size;
  }

  intern<T>(value: T): T {
    return this.#walk(value) as T;
  }

  #walk(value: unknown): unknown {
    if (typeof value === 'string') return this.#string(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = this.#walk(value[i]);
      return value;
    }
    if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const v = record[key];
        if (v !== null && (typeof v === 'string' || typeof v === 'object')) record[key] = this.#walk(v);
      }
    }
    return value;
  }

  #string(value: string): string {
    if (value.length > MAX_LENGTH) return value;
    const known = this.#table.get(value);
    if (known !== undefined) return known;
    if (this.#table.size >= MAX_ENTRIES) this.#table = new Map();
    this.#table.set(value, value);
    return value;
  }
}
