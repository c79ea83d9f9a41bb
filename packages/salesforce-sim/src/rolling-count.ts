/**
 * A count over a rolling window (Salesforce's daily allocation: the requests of the last 24 hours),
 * kept in buckets so that old requests leave the window bucket by bucket rather than all at once.
 */
export class RollingCount {
  readonly #windowMs: number;
  readonly #bucketMs: number;
  /** Bucket start (ms) → count, oldest first. */
  readonly #buckets = new Map<number, number>();
  #total = 0;

  constructor(windowMs: number, bucketMs: number) {
    this.#windowMs = windowMs;
    this.#bucketMs = bucketMs;
  }

  add(now: number, n: number): void {
    this.#expire(now);
    const bucket = now - (now % this.#bucketMs);
    this.#buckets.set(bucket, (this.#buckets.get(bucket) ?? 0) + n);
    this.#total += n;
  }

  total(now: number): number {
    this.#expire(now);
    return this.#total;
  }

  /** Forgets everything and counts `n` now. */
  reset(now: number, n: number): void {
    this.#buckets.clear();
    this.#total = 0;
    if (n > 0) this.add(now, n);
  }

  #expire(now: number): void {
    for (const [start, count] of this.#buckets) {
      if (start + this.#bucketMs > now - this.#windowMs) break;
      this.#buckets.delete(start);
      this.#total -= count;
    }
  }
}
