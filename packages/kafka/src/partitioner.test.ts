import { describe, expect, it } from 'vitest';
import { murmur2, partitionOf } from './partitioner.ts';

describe('Kafka default partitioning', () => {
  it('computes murmur2 as the Java client does (vectors from Kafka UtilsTest, also what kafkajs yields)', () => {
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of cases) expect(murmur2(Buffer.from(key)), key).toBe(hash);
  });

  it('maps a key to a positive partition below the count', () => {
    expect(partitionOf('21', 6)).toBe((-973932308 & 0x7fffffff) % 6);
  });
});
