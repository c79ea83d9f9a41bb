import { DEFAULT_MAPPING_YAML, loadMappingConfig } from '@provision/mapping';
import { describe, expect, it } from 'vitest';
import { decideUser } from './decide-user.ts';
import { applyFact, emptyPicture, type UserPicture } from './picture.ts';

const USER = '3f1c9a52-8d2e-4b7a-9c1e-2a6b5d4e7f10';
const SALES = 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d';
const config = loadMappingConfig(
  `${DEFAULT_MAPPING_YAML}\ngroupMembershipRules:\n  - { group: ${SALES}, publicGroups: [Sales_Team], queues: [Leads_Queue] }\n`,
);
let seq = 0;
const ctx = {
  newId: () => `id-${++seq}`,
  now: () => new Date('2026-03-01T09:00:00Z'),
  dryRun: false,
  origin: 'sync' as const,
};
const base = { syncId: 'r', observedAt: '2026-03-01T09:00:00.000Z', userId: USER };

function picture(...facts: Record<string, unknown>[]): UserPicture {
  return facts.reduce(
    (p, f) => applyFact(p, { ...base, eventId: ctx.newId(), ...f } as never, null),
    emptyPicture(USER),
  );
}
const upsert = {
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
const assign = {
  type: 'assignment.changed',
  assignmentId: 'a1',
  principalType: 'User',
  principalId: USER,
  role: { appRoleId: 'r1', roleValue: 'Standard User' },
  change: 'added',
};
const member = (change: 'added' | 'removed') => ({
  type: 'membership.changed',
  groupId: SALES,
  change,
  groupRoles: [],
});

describe('group memberships through the mapper', () => {
  it('commands the memberships a group grants, remembers them as granted, and removes them when the user leaves the group', () => {
    const joined = decideUser(picture(upsert, assign, member('added')), config, ctx);
    expect(joined.command?.groupMemberships).toEqual({
      add: [
        { type: 'publicGroup', name: 'Sales_Team' },
        { type: 'queue', name: 'Leads_Queue' },
      ],
      remove: [],
    });
    expect(joined.picture.granted.groupMemberships).toHaveLength(2);
    expect(joined.picture.commanded).toMatchObject({ PublicGroups: ['Sales_Team'], Queues: ['Leads_Queue'] });

    const left = decideUser(
      applyFact(joined.picture, { ...base, eventId: 'e2', ...member('removed') } as never, null),
      config,
      ctx,
    );
    expect(left.command?.action).toBe('update');
    expect(left.command?.groupMemberships?.remove).toEqual([
      { type: 'publicGroup', name: 'Sales_Team' },
      { type: 'queue', name: 'Leads_Queue' },
    ]);
    expect(left.picture.granted.groupMemberships).toBeUndefined();
  });

  it('sends no groupMemberships field when nothing changes in them (older writers read the command as before)', () => {
    const alone = decideUser(picture(upsert, assign), config, ctx);
    expect(alone.command?.action).toBe('create');
    expect(alone.command && 'groupMemberships' in alone.command).toBe(false);
  });
});
