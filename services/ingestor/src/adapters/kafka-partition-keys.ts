import { partitionOf } from '@provision/kafka';

/**
 * One sync-marker key per partition, `sync:<syncId>:<n>` with the smallest n whose key hashes to
 * that partition (the key the AsyncAPI document promises subscribers).
 */
export function markerKeys(syncId: string, partitions: number): string[] {
  const keys: (string | undefined)[] = new Array(partitions).fill(undefined);
  let found = 0;
  for (let n = 0; found < partitions; n++) {
    const key = `sync:${syncId}:${n}`;
    const p = partitionOf(key, partitions);
    if (keys[p] === undefined) {
      keys[p] = key;
      found++;
    }
  }
  return keys as string[];
}
