import { DEFAULT_MAPPING_YAML, loadMappingConfig } from '@provision/mapping';
import { describe, expect, it } from 'vitest';
import { decideUser } from './decide-user.ts';
import { assign, member, picture, testContext, upsert, withFact } from './test-pictures.ts';

const SALES = 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d';
const config = loadMappingConfig(
  `${DEFAULT_MAPPING_YAML}\ngroupMembershipRules:\n  - { group: ${SALES}, publicGroups: [Sales_Team], queues: [Leads_Queue] }\n`,
);
const ctx = testContext;

describe('group memberships through the mapper', () => {
  it('commands the memberships a group grants, remembers them as granted, and removes them when the user leaves the group', () => {
    const joined = decideUser(picture(upsert, assign, member(SALES, 'added')), config, ctx);
    expect(joined.command?.groupMemberships).toEqual({
      add: [
        { type: 'publicGroup', name: 'Sales_Team' },
        { type: 'queue', name: 'Leads_Queue' },
      ],
      remove: [],
    });
    expect(joined.picture.granted.groupMemberships).toHaveLength(2);
    expect(joined.picture.commanded).toMatchObject({ PublicGroups: ['Sales_Team'], Queues: ['Leads_Queue'] });

    const left = decideUser(withFact(joined.picture, member(SALES, 'removed')), config, ctx);
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
