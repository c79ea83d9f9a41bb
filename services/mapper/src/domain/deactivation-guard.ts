/**
 * The accidental-deletion guard (Entra's "accidental deletions threshold"): past `threshold`
 * deactivations within `windowMs`, further deactivations are held back (staged) until an admin
 * allows them. The count is shared by every mapper replica (a port backed by Redis).
 *
 * The guard's shared state: the window's count, and the users it holds back until released.
 */
export interface DeactivationGuardStore {
  /** Adds `n` deactivations to the current window and returns the window's total. */
  add(n: number, windowMs: number): Promise<number>;
  /** Users held back, for the admin to review and release. */
  stage(userIds: readonly string[]): Promise<void>;
  staged(): Promise<string[]>;
  /** Takes the staged users out of the stage (on release); they are decided again without the guard. */
  release(): Promise<string[]>;
}

export interface GuardPolicy {
  /** 0 turns the guard off. */
  threshold: number;
  windowMs: number;
}

/** Splits the users about to be deactivated into those allowed now and those to stage. */
export async function admitDeactivations(
  userIds: readonly string[],
  policy: GuardPolicy,
  store: DeactivationGuardStore,
): Promise<{ allowed: string[]; staged: string[] }> {
  if (policy.threshold <= 0 || userIds.length === 0) return { allowed: [...userIds], staged: [] };
  const total = await store.add(userIds.length, policy.windowMs);
  const before = total - userIds.length;
  const room = Math.max(0, policy.threshold - before);
  const allowed = userIds.slice(0, room);
  const staged = userIds.slice(room);
  if (staged.length > 0) await store.stage(staged);
  return { allowed, staged };
}
