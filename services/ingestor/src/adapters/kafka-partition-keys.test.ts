import { partitionOf } from '@provision/kafka';
import { describe, expect, it } from 'vitest';
import { markerKeys } from './kafka-partition-keys.ts';

describe('sync marker keys', () => {
  it('finds one marker key per partition, each hashing to its own partition', () => {
    for (const partitions of [1, 3, 6, 12]) {
      const keys = markerKeys('full-2026-11-26T11:00:00.000Z', partitions);
      expect(keys).toHaveLength(partitions);
      keys.forEach((key, p) => {
        expect(key.startsWith('sync:full-2026-11-26T11:00:00.000Z:')).toBe(true);
        expect(partitionOf(key, partitions)).toBe(p);
      });
    }
  });
});
