import { applyFact, emptyPicture, type UserPicture } from './picture.ts';

/** Directory facts and a command context for unit tests of one user's decisions. */
export const TEST_USER = '3f1c9a52-8d2e-4b7a-9c1e-2a6b5d4e7f10';

let seq = 0;
export const testContext = {
  newId: () => `id-${++seq}`,
  now: () => new Date('2026-03-01T09:00:00Z'),
  dryRun: false,
  origin: 'sync' as const,
};

const base = { syncId: 'r', observedAt: '2026-03-01T09:00:00.000Z', userId: TEST_USER };

/** The user as Graph gives it, complete. */
export const upsert = {
  type: 'user.upserted',
  complete: true,
  attributes: {
    userPrincipalName: 'adele@contoso.com',
    mail: 'adele@contoso.com',
    givenName: 'A',
    surname: 'V',
    accountEnabled: true,
  },
};

/** The user's own assignment of the Standard User app role. */
export const assign = {
  type: 'assignment.changed',
  assignmentId: 'a1',
  principalType: 'User',
  principalId: TEST_USER,
  role: { appRoleId: 'r1', roleValue: 'Standard User' },
  change: 'added',
};

/** The user joins or leaves an Entra group that holds no app role. */
export const member = (groupId: string, change: 'added' | 'removed') => ({
  type: 'membership.changed',
  groupId,
  change,
  groupRoles: [],
});

/** One more fact applied to a picture. */
export function withFact(picture: UserPicture, fact: Record<string, unknown>): UserPicture {
  return applyFact(picture, { ...base, eventId: testContext.newId(), ...fact } as never, null);
}

/** The picture the facts build from nothing. */
export function picture(...facts: Record<string, unknown>[]): UserPicture {
  return facts.reduce(withFact, emptyPicture(TEST_USER));
}
