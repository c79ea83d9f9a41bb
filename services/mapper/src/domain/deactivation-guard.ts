import type { DeactivationGuardStore } from './ports.ts';

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
