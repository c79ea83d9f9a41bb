import { graphTimestamp } from '../ids.ts';

/**
 * One kind of directory object (users or groups) with change tracking by sequence number.
 *
 * Memory stays proportional to the objects plus one log entry per change: a delta round is a scan
 * of the change log between two sequence numbers, never a copy of the tenant per token.
 */

/** What changed about an object, as the delta engine and notifications see it. */
export interface MemberChange {
  readonly seq: number;
  readonly memberId: string;
  readonly removed: boolean;
}

export interface DirectoryObject {
  readonly id: string;
  /** Properties as Graph returns them, without `id`. Never-set properties are absent. */
  props: Record<string, unknown>;
  /** Sequence number of the creation (or of the restore, which delta reports as a creation). */
  createdSeq: number;
  /** Sequence number of the latest change of any kind. */
  lastSeq: number;
  /** Sequence number of the latest change per property, for properties changed after creation. */
  propSeq: Map<string, number> | undefined;
  /** Set while soft-deleted (in `directory/deletedItems`). */
  deletedDateTime: string | null;
  /** Group members (user or group ids); undefined for users. */
  members: Set<string> | undefined;
  /** Membership changes after creation, in sequence order (groups only). */
  memberLog: MemberChange[] | undefined;
}

/** A permanently deleted object, kept so later delta rounds can report `@removed: deleted`. */
export interface Tombstone {
  readonly id: string;
  readonly seq: number;
}

/** A position in the change log: sequence number and the id changed then. */
interface LogEntry {
  readonly seq: number;
  readonly id: string;
}

export class ObjectStore {
  readonly kind: 'user' | 'group';
  readonly objects = new Map<string, DirectoryObject>();
  readonly tombstones = new Map<string, Tombstone>();
  readonly #log: LogEntry[] = [];
  /** Every change's sequence number, per object id (ascending). */
  readonly #seqsById = new Map<string, number[]>();
  readonly #nextSeq: () => number;

  constructor(kind: 'user' | 'group', nextSeq: () => number) {
    this.kind = kind;
    this.#nextSeq = nextSeq;
  }

  /** Appends a change to the log and returns its sequence number. */
  #touch(id: string): number {
    const seq = this.#nextSeq();
    this.#log.push({ seq, id });
    const seqs = this.#seqsById.get(id);
    if (seqs) seqs.push(seq);
    else this.#seqsById.set(id, [seq]);
    return seq;
  }

  /** The sequence number of the last change of `id` at or before `until`, if any. */
  lastSeqUntil(id: string, until: number): number | undefined {
    const seqs = this.#seqsById.get(id);
    if (!seqs) return undefined;
    for (let i = seqs.length - 1; i >= 0; i--) if ((seqs[i] as number) <= until) return seqs[i];
    return undefined;
  }

  get logLength(): number {
    return this.#log.length;
  }

  /** The log entry at `index` (ascending sequence numbers). */
  logAt(index: number): LogEntry | undefined {
    return this.#log[index];
  }

  /** The index of the first log entry with a sequence number above `seq` (binary search). */
  logIndexAfter(seq: number): number {
    let lo = 0;
    let hi = this.#log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#log[mid]?.seq ?? Number.POSITIVE_INFINITY) <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  create(id: string, props: Record<string, unknown>): DirectoryObject {
    const seq = this.#touch(id);
    const object: DirectoryObject = {
      id,
      props: compact(props),
      createdSeq: seq,
      lastSeq: seq,
      propSeq: undefined,
      deletedDateTime: null,
      members: this.kind === 'group' ? new Set() : undefined,
      memberLog: this.kind === 'group' ? [] : undefined,
    };
    this.objects.set(id, object);
    return object;
  }

  /** Applies property changes; returns the names that really changed (no entry in the log otherwise). */
  update(object: DirectoryObject, changes: Record<string, unknown>): string[] {
    const changed = Object.keys(changes).filter((key) => !sameValue(object.props[key], changes[key]));
    if (changed.length === 0) return [];
    const seq = this.#touch(object.id);
    object.lastSeq = seq;
    object.propSeq ??= new Map();
    for (const key of changed) {
      const value = changes[key];
      if (value === null || value === undefined) delete object.props[key];
      else object.props[key] = value;
      object.propSeq.set(key, seq);
    }
    return changed;
  }

  /** Adds or removes a group member; false when nothing changed. */
  setMember(group: DirectoryObject, memberId: string, present: boolean): boolean {
    if (!group.members || !group.memberLog) return false;
    if (group.members.has(memberId) === present) return false;
    if (present) group.members.add(memberId);
    else group.members.delete(memberId);
    const seq = this.#touch(group.id);
    group.lastSeq = seq;
    group.memberLog.push({ seq, memberId, removed: !present });
    return true;
  }

  softDelete(object: DirectoryObject, now: Date): void {
    object.deletedDateTime = graphTimestamp(now);
    object.lastSeq = this.#touch(object.id);
  }

  /** Restores a soft-deleted object; delta reports it as newly created (all properties). */
  restore(object: DirectoryObject): void {
    object.deletedDateTime = null;
    const seq = this.#touch(object.id);
    object.lastSeq = seq;
    object.createdSeq = seq;
    object.propSeq = undefined;
    if (object.memberLog) object.memberLog.length = 0;
  }

  hardDelete(object: DirectoryObject): void {
    this.objects.delete(object.id);
    this.tombstones.set(object.id, { id: object.id, seq: this.#touch(object.id) });
  }

  /** Objects not soft-deleted. */
  *active(): IterableIterator<DirectoryObject> {
    for (const object of this.objects.values()) if (object.deletedDateTime === null) yield object;
  }

  /** The sequence number at which `key` last changed. */
  static propertySeq(object: DirectoryObject, key: string): number {
    return object.propSeq?.get(key) ?? object.createdSeq;
  }
}

function compact(props: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in props) {
    const value = props[key];
    if (value !== null && value !== undefined) out[key] = value;
  }
  return out;
}

function sameValue(a: unknown, b: unknown): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}
