import { describe, expect, it } from 'vitest';
import { type DeltaState, DeltaTokenCodec, deltaPage, parseIdFilter, parseSelect } from './delta.ts';
import { testTenant } from './test-tenant.ts';

const codec = new DeltaTokenCodec(Buffer.alloc(32, 7));

function round(
  tenant: ReturnType<typeof testTenant>,
  state: DeltaState,
  pageSize = 100,
  minimal = false,
  membersPerItem?: number,
) {
  const value: Record<string, unknown>[] = [];
  let current: DeltaState | undefined = state;
  let pages = 0;
  for (;;) {
    const page = deltaPage(tenant, current, { pageSize, minimal, ...(membersPerItem ? { membersPerItem } : {}) });
    pages++;
    value.push(...page.value);
    if (page.delta) return { value, delta: page.delta, pages };
    current = page.next;
    if (!current) throw new Error('page without next or delta');
  }
}

const initial = (kind: 'user' | 'group', s: string[] | null = null): DeltaState => ({
  k: kind,
  s,
  f: 0,
  t: Date.now(),
  g: 1,
});

describe('DeltaTokenCodec', () => {
  it('round-trips a state and refuses tampered or foreign tokens', () => {
    const token = codec.encode(initial('user'));
    expect(codec.decode(token)).toMatchObject({ k: 'user', f: 0 });
    const [body, signature] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ ...initial('user'), f: 99 })).toString('base64url');
    expect(codec.decode(`${forged}.${signature}`)).toBeUndefined();
    expect(codec.decode(`${body}.${signature}x`)).toBeUndefined();
    expect(new DeltaTokenCodec(Buffer.alloc(32, 8)).decode(token)).toBeUndefined();
    expect(codec.decode('no-dot')).toBeUndefined();
  });
});

describe('parseSelect', () => {
  it('accepts known properties (and members on groups) and names the unknown one', () => {
    expect(parseSelect('user', 'displayName, mail,displayName')).toEqual(['displayName', 'mail']);
    expect(parseSelect('group', 'displayName,members')).toEqual(['displayName', 'members']);
    expect(() => parseSelect('user', 'members')).toThrow(
      "Could not find a property named 'members' on type 'microsoft.graph.user'.",
    );
    expect(parseSelect('user', undefined)).toBeNull();
  });
});

describe('deltaPage', () => {
  it('pages a full round, then reports only changes with removals by reason', () => {
    const tenant = testTenant();
    for (let i = 0; i < 25; i++)
      tenant.createUser(`u${i}`, { userPrincipalName: `u${i}@x`, displayName: `U${i}`, jobTitle: 'A' });
    const full = round(tenant, initial('user', ['displayName', 'jobTitle']), 10);
    expect(full.pages).toBe(3);
    expect(full.value).toHaveLength(25);
    tenant.updateUser('u1', { jobTitle: 'B' });
    tenant.updateUser('u1', { jobTitle: 'C' });
    tenant.delete('user', 'u2');
    tenant.delete('user', 'u3');
    tenant.purge('u3');
    tenant.createUser('u99', { userPrincipalName: 'u99@x', displayName: 'New' });
    const later = round(tenant, full.delta);
    expect(later.value).toEqual([
      { id: 'u1', displayName: 'U1', jobTitle: 'C' },
      { id: 'u2', '@removed': { reason: 'changed' } },
      { id: 'u3', '@removed': { reason: 'deleted' } },
      { id: 'u99', displayName: 'New' },
    ]);
    expect(round(tenant, later.delta).value).toEqual([]);
  });

  it('with return=minimal returns only changed properties, null for cleared ones', () => {
    const tenant = testTenant();
    tenant.createUser('u1', { userPrincipalName: 'u1@x', displayName: 'One', mobilePhone: '1', city: 'Oslo' });
    const full = round(tenant, initial('user', ['displayName', 'mobilePhone', 'city']));
    tenant.updateUser('u1', { mobilePhone: null, city: 'Bergen' });
    expect(round(tenant, full.delta, 100, true).value).toEqual([{ id: 'u1', mobilePhone: null, city: 'Bergen' }]);
    expect(round(tenant, full.delta, 100, false).value).toEqual([
      { id: 'u1', displayName: 'One', mobilePhone: null, city: 'Bergen' },
    ]);
  });

  it('reports members@delta: all members first, then changes with removals', () => {
    const tenant = testTenant();
    for (const id of ['a', 'b', 'c']) tenant.createUser(id, { userPrincipalName: `${id}@x` });
    tenant.createGroup('g', { displayName: 'G', securityEnabled: true, groupTypes: [] }, ['a', 'b']);
    const full = round(tenant, initial('group', ['displayName', 'members']));
    expect(full.value).toEqual([
      {
        id: 'g',
        displayName: 'G',
        'members@delta': [
          { '@odata.type': '#microsoft.graph.user', id: 'a' },
          { '@odata.type': '#microsoft.graph.user', id: 'b' },
        ],
      },
    ]);
    tenant.removeMember('g', 'a');
    tenant.addMember('g', 'c');
    expect(round(tenant, full.delta).value).toEqual([
      {
        id: 'g',
        displayName: 'G',
        'members@delta': [
          { '@odata.type': '#microsoft.graph.user', id: 'a', '@removed': { reason: 'deleted' } },
          { '@odata.type': '#microsoft.graph.user', id: 'c' },
        ],
      },
    ]);
  });
});

describe('members of a large group', () => {
  it('span several pages, the group repeated with the next members each time', () => {
    const tenant = testTenant();
    const ids = ['a', 'b', 'c', 'd', 'e'];
    for (const id of ids) tenant.createUser(id, { userPrincipalName: `${id}@x` });
    tenant.createGroup('g', { displayName: 'G' }, ids);
    tenant.createGroup('h', { displayName: 'H' }, ['a']);
    const full = round(tenant, initial('group', ['displayName', 'members']), 100, false, 2);
    expect(full.pages).toBe(3);
    expect(full.value.map((item) => item['id'])).toEqual(['g', 'g', 'g', 'h']);
    const members = full.value
      .filter((item) => item['id'] === 'g')
      .flatMap((item) => (item['members@delta'] as { id: string }[]).map((m) => m.id));
    expect(members).toEqual(ids);
  });

  it('are all returned when the group changes between two page requests, and the change follows in the next round', () => {
    const tenant = testTenant();
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const id of [...ids, 'z', '0']) tenant.createUser(id, { userPrincipalName: `${id}@x` });
    tenant.createGroup('g', { displayName: 'G' }, ids);
    const options = { pageSize: 100, minimal: false, membersPerItem: 2 };
    const first = deltaPage(tenant, initial('group', ['displayName', 'members']), options);
    // A member joins (and one sorting before the page's last leaves) while the round is paged through.
    tenant.addMember('g', 'z');
    tenant.removeMember('g', 'a');
    const seen = [...first.value];
    let next = first.next;
    let delta: DeltaState | undefined;
    while (next) {
      const page = deltaPage(tenant, next, options);
      seen.push(...page.value);
      next = page.next;
      delta = page.delta ?? delta;
    }
    const members = seen.flatMap(
      (item) => (item['members@delta'] as { id: string }[] | undefined)?.map((m) => m.id) ?? [],
    );
    expect(new Set(members)).toEqual(new Set(['a', 'b', 'c', 'd', 'e', 'f', 'z']));
    const after = round(tenant, delta!, 100, false, 2);
    const changes = after.value.flatMap((item) => item['members@delta'] as { id: string; '@removed'?: unknown }[]);
    expect(changes.map((m) => [m.id, m['@removed'] !== undefined])).toEqual([
      ['a', true],
      ['z', false],
    ]);
  });
});

describe('parseIdFilter', () => {
  it("accepts up to 50 `id eq '…'` clauses joined by or, and nothing else", () => {
    const a = '0a0a0a0a-0000-4000-8000-000000000001';
    const b = '0a0a0a0a-0000-4000-8000-000000000002';
    expect(parseIdFilter(`id eq '${a}' or id eq '${b.toUpperCase()}'`)).toEqual([a, b]);
    expect(parseIdFilter(undefined)).toBeUndefined();
    expect(() => parseIdFilter("displayName eq 'x'")).toThrow();
    const many = Array.from({ length: 51 }, () => `id eq '${a}'`).join(' or ');
    expect(() => parseIdFilter(many)).toThrow('maximum of 50');
  });

  it('restricts a round, and the rounds after it, to the filtered ids', () => {
    const tenant = testTenant();
    const ids = ['0a0a0a0a-0000-4000-8000-000000000001', '0a0a0a0a-0000-4000-8000-000000000002'] as const;
    for (const id of ids) tenant.createUser(id, { userPrincipalName: `${id}@x`, displayName: id });
    const full = round(tenant, { ...initial('user', ['displayName']), i: [ids[0]] });
    expect(full.value.map((v) => v['id'])).toEqual([ids[0]]);
    tenant.updateUser(ids[1], { displayName: 'changed' });
    expect(round(tenant, full.delta).value).toEqual([]);
  });
});
