import type { SalesforceDirectory } from '../domain/ports.ts';
import { CountingBudget, InMemoryLinkStore, VirtualClock } from './in-memory-stores.ts';

/** What the batch writer needs around a directory, in memory: links, a counting budget, a virtual clock, no jitter. */
export function inMemoryBatchDeps<D extends SalesforceDirectory>(directory: D) {
  return {
    directory,
    links: new InMemoryLinkStore(),
    budget: new CountingBudget(),
    clock: new VirtualClock(),
    random: () => 0,
  };
}
