import { randomBytes } from 'node:crypto';
import type { FaultConfig } from './faults.ts';
import { INSTANT, type PerformanceModel } from './model.ts';
import type { Org, Registry, Row } from './org.ts';
import type { ResolvedPath } from './query.ts';
import type { ObjectDef } from './schema.ts';

/** An open query cursor: the matched rows, served page by page through `nextRecordsUrl`. */
export interface Cursor {
  readonly org: Org;
  readonly object: ObjectDef;
  readonly select: readonly ResolvedPath[];
  readonly rows: readonly Row[];
  readonly batchSize: number;
}

const MAX_CURSORS_PER_ORG = 50;

/** Everything one running simulator holds besides the orgs: faults, request counts, cursors. */
export class SimState {
  readonly registry: Registry;
  faults: FaultConfig = {};
  /** How long answers take and how overlapping User writes contend (`instant` unless told). */
  model: PerformanceModel = INSTANT;
  /** `METHOD /route/pattern` → requests received. */
  readonly requestCounts = new Map<string, number>();
  readonly #cursors = new Map<string, Cursor>();

  constructor(registry: Registry) {
    this.registry = registry;
  }

  countRequest(key: string): void {
    this.requestCounts.set(key, (this.requestCounts.get(key) ?? 0) + 1);
  }

  /** Stores a cursor and returns its id; the oldest cursors of an org are closed past a cap, as Salesforce does. */
  openCursor(cursor: Cursor): string {
    const id = `01g${randomBytes(9).toString('base64url').slice(0, 12)}`;
    let ofOrg = 0;
    for (const c of this.#cursors.values()) if (c.org === cursor.org) ofOrg++;
    if (ofOrg >= MAX_CURSORS_PER_ORG) {
      for (const [key, c] of this.#cursors) {
        if (c.org === cursor.org) {
          this.#cursors.delete(key);
          break;
        }
      }
    }
    this.#cursors.set(id, cursor);
    return id;
  }

  cursor(id: string): Cursor | undefined {
    return this.#cursors.get(id);
  }

  closeCursor(id: string): void {
    this.#cursors.delete(id);
  }
}
