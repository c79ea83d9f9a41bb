import { describe, expect, it } from 'vitest';
import {
  checkConvergence,
  expectationOf,
  type OrgUser,
  type RunHistory,
  resolveRole,
  type TenantUser,
  type TenantView,
} from './oracle.ts';

const DOMAIN = 'contoso.example';
const user = (id: string, over: Partial<TenantUser> = {}): TenantUser => ({
  id,
  upn: `${id}@${DOMAIN}`,
  givenName: id,
  surname: 'Tester',
  mail: `${id}@${DOMAIN}`,
  accountEnabled: true,
  softDeleted: false,
  ...over,
});
let next = 0;
const sf = (username: string, over: Partial<OrgUser> = {}): OrgUser => ({
  id: `005${String(++next).padStart(15, '0')}`,
  username,
  email: username,
  pendingEmail: null,
  firstName: username.split('@')[0] ?? null,
  lastName: 'Tester',
  isActive: true,
  profile: 'Standard User',
  ...over,
});
const history = (over: Partial<RunHistory> = {}): RunHistory => ({
  upns: new Map(),
  hardDeleted: new Map(),
  preexisting: new Set(),
  matchedPreexisting: new Set(),
  ...over,
});

// A handmade tenant: one user of each kind the oracle tells apart.
const tenant: TenantView = {
  users: [
    user('direct'),
    user('viagroup'),
    user('unassigned'),
    user('defaultonly'),
    user('defaultandrole'),
    user('disabled', { accountEnabled: false }),
    user('softdeleted', { softDeleted: true }),
    user('conflict'),
    user('sameroletwice'),
    user('untouched'),
    user('matched'),
  ],
  groups: [
    { id: 'g-sales', name: 'Sales', members: ['viagroup', 'defaultandrole', 'conflict', 'sameroletwice'] },
    { id: 'g-none', name: 'Unassigned group', members: ['unassigned'] },
  ],
  assignments: [
    { principalId: 'direct', principalType: 'User', role: 'Standard User' },
    { principalId: 'g-sales', principalType: 'Group', role: 'Standard User' },
    { principalId: 'defaultonly', principalType: 'User', role: null },
    { principalId: 'defaultandrole', principalType: 'User', role: null },
    { principalId: 'disabled', principalType: 'User', role: 'Standard User' },
    { principalId: 'softdeleted', principalType: 'User', role: 'Standard User' },
    { principalId: 'conflict', principalType: 'User', role: 'System Administrator' },
    { principalId: 'sameroletwice', principalType: 'User', role: 'Standard User' },
    { principalId: 'matched', principalType: 'User', role: 'Read Only' },
  ],
};
const byId = (id: string) => tenant.users.find((u) => u.id === id);

describe('what the final tenant implies', () => {
  it('puts a user in scope with the role of its direct assignment or of a group it is a direct member of', () => {
    expect(expectationOf(byId('direct'), tenant)).toMatchObject({ kind: 'in-scope', role: 'Standard User' });
    expect(expectationOf(byId('viagroup'), tenant)).toMatchObject({
      kind: 'in-scope',
      role: 'Standard User',
      fields: { Username: `viagroup@${DOMAIN}`, FirstName: 'viagroup', LastName: 'Tester' },
    });
    expect(resolveRole('sameroletwice', tenant)).toEqual({
      kind: 'role',
      role: 'Standard User',
      via: ['direct', 'group Sales'],
    });
  });

  it('leaves out the unassigned, Default Access only, disabled, soft-deleted and hard-deleted users', () => {
    expect(expectationOf(byId('unassigned'), tenant)).toEqual({ kind: 'out-of-scope', reasons: ['unassigned'] });
    expect(expectationOf(byId('defaultonly'), tenant)).toEqual({ kind: 'out-of-scope', reasons: ['default-access'] });
    expect(expectationOf(byId('disabled'), tenant)).toEqual({ kind: 'out-of-scope', reasons: ['disabled'] });
    expect(expectationOf(byId('softdeleted'), tenant)).toEqual({ kind: 'out-of-scope', reasons: ['soft-deleted'] });
    expect(expectationOf(undefined, tenant)).toEqual({ kind: 'out-of-scope', reasons: ['hard-deleted'] });
  });

  it('ignores Default Access next to a real role, and calls two distinct roles a conflict', () => {
    expect(expectationOf(byId('defaultandrole'), tenant)).toMatchObject({ kind: 'in-scope', role: 'Standard User' });
    expect(expectationOf(byId('conflict'), tenant)).toEqual({
      kind: 'conflict',
      roles: ['Standard User', 'System Administrator'],
    });
  });
});

describe('checking the org against the tenant', () => {
  const converged = () => [
    sf(`direct@${DOMAIN}`),
    sf(`viagroup@${DOMAIN}`),
    sf(`defaultandrole@${DOMAIN}`),
    sf(`sameroletwice@${DOMAIN}`),
    sf(`disabled@${DOMAIN}`, { isActive: false }),
    sf(`softdeleted@${DOMAIN}`, { isActive: false }),
    sf(`matched@${DOMAIN}`, { profile: 'Read Only' }),
    sf(`untouched@${DOMAIN}`),
    sf(`admin@${DOMAIN}`),
  ];
  const preexisting = history({
    preexisting: new Set(['untouched', 'matched']),
    matchedPreexisting: new Set(['matched']),
  });

  it('finds nothing when Salesforce holds exactly what the tenant implies', () => {
    const result = checkConvergence(tenant, preexisting, converged(), [`admin@${DOMAIN}`]);
    expect(result.findings).toEqual([]);
    expect(result.counts).toMatchObject({ duplicates: 0, missing: 0, wrong: 0, stale: 0, unattributed: 0 });
    expect(result.counts).toMatchObject({ inScope: 5, conflicts: 1 });
  });

  it('counts an in-scope user with no active Salesforce user as missing', () => {
    const org = converged().filter((u) => u.username !== `direct@${DOMAIN}`);
    org.push(sf(`viagroup2@${DOMAIN}`, { email: `viagroup@${DOMAIN}`, isActive: false }));
    const result = checkConvergence(tenant, preexisting, org, [`admin@${DOMAIN}`]);
    expect(result.findings.filter((f) => f.category === 'missing').map((f) => f.userId)).toEqual(['direct']);
  });

  it('counts an inactive Salesforce user of an in-scope user as missing', () => {
    const org = converged().map((u) => (u.username === `direct@${DOMAIN}` ? { ...u, isActive: false } : u));
    const [finding] = checkConvergence(tenant, preexisting, org, [`admin@${DOMAIN}`]).findings;
    expect(finding).toMatchObject({ category: 'missing', userId: 'direct', note: /inactive/ });
  });

  it('says which checked field is wrong, and accepts an email change waiting for confirmation', () => {
    const org = converged().map((u) =>
      u.username === `direct@${DOMAIN}`
        ? { ...u, profile: 'Read Only', lastName: 'Old', email: 'old@x.example', pendingEmail: `direct@${DOMAIN}` }
        : u,
    );
    const [finding] = checkConvergence(tenant, preexisting, org, [`admin@${DOMAIN}`]).findings;
    expect(finding?.category).toBe('wrong');
    expect(finding?.differences).toEqual([
      { field: 'ProfileName', expected: 'Standard User', actual: 'Read Only' },
      { field: 'LastName', expected: 'Tester', actual: 'Old' },
    ]);
  });

  it('counts a move to Chatter Free that Salesforce refuses as refused, not wrong; anything else as wrong', () => {
    // The tenant asks for Standard User; the user is a Chatter Free user in Salesforce: an upgrade
    // Salesforce allows, so a difference left is wrong.
    const chatterFree = new Set(['Chatter Free User']);
    const upgrade = converged().map((u) =>
      u.username === `direct@${DOMAIN}` ? { ...u, profile: 'Chatter Free User' } : u,
    );
    const [wrong] = checkConvergence(tenant, preexisting, upgrade, [`admin@${DOMAIN}`], chatterFree).findings;
    expect(wrong).toMatchObject({ category: 'wrong', userId: 'direct' });
    // The tenant asks for a Chatter Free profile (here Standard User plays it) of a Read Only
    // user: Salesforce refuses, as it must.
    const readOnly = converged().map((u) => (u.username === `direct@${DOMAIN}` ? { ...u, profile: 'Read Only' } : u));
    const down = checkConvergence(tenant, preexisting, readOnly, [`admin@${DOMAIN}`], new Set(['Standard User']));
    expect(down.counts).toMatchObject({ wrong: 0, refused: 1 });
    expect(down.findings).toMatchObject([
      { category: 'refused', userId: 'direct', differences: [{ field: 'ProfileName' }] },
    ]);
    // A refused profile with another field wrong is wrong.
    const both = converged().map((u) =>
      u.username === `direct@${DOMAIN}` ? { ...u, profile: 'Read Only', lastName: 'Old' } : u,
    );
    const result = checkConvergence(tenant, preexisting, both, [`admin@${DOMAIN}`], new Set(['Standard User']));
    expect(result.findings.find((f) => f.userId === 'direct')?.category).toBe('wrong');
  });

  it('counts an out-of-scope user still active in Salesforce as stale, a hard-deleted one too', () => {
    const org = converged().map((u) => (u.username === `disabled@${DOMAIN}` ? { ...u, isActive: true } : u));
    org.push(sf(`gone@${DOMAIN}`));
    const deleted = { ...preexisting, hardDeleted: new Map([['gone', { upn: `gone@${DOMAIN}`, mail: null }]]) };
    const result = checkConvergence(tenant, deleted, org, [`admin@${DOMAIN}`]);
    expect(result.findings.map((f) => [f.category, f.userId])).toEqual([
      ['stale', 'disabled'],
      ['stale', 'gone'],
    ]);
  });

  it('expects a pre-existing user never in scope to be left active, and a matched one to be deactivated', () => {
    const unassign = { ...tenant, assignments: tenant.assignments.filter((a) => a.principalId !== 'matched') };
    const org = converged().map((u) => (u.username === `untouched@${DOMAIN}` ? { ...u, isActive: false } : u));
    const result = checkConvergence(unassign, preexisting, org, [`admin@${DOMAIN}`]);
    expect(result.findings.map((f) => [f.category, f.userId])).toEqual([
      ['wrong', 'untouched'],
      ['stale', 'matched'],
    ]);
  });

  it('leaves a user with conflicting roles as it is, whatever Salesforce holds', () => {
    const org = [...converged(), sf(`conflict@${DOMAIN}`, { profile: 'Read Only' })];
    expect(checkConvergence(tenant, preexisting, org, [`admin@${DOMAIN}`]).findings).toEqual([]);
  });

  it('finds two Salesforce users for one Entra user by any UPN it had, or by its mail', () => {
    const renamed = {
      ...tenant,
      users: tenant.users.map((u) => (u.id === 'direct' ? { ...u, upn: `d2@${DOMAIN}` } : u)),
    };
    const org = [...converged(), sf(`d2@${DOMAIN}`, { email: `direct@${DOMAIN}` })];
    const upns = history({ ...preexisting, upns: new Map([['direct', [`direct@${DOMAIN}`]]]) });
    const result = checkConvergence(renamed, upns, org, [`admin@${DOMAIN}`]);
    expect(result.counts.duplicates).toBe(1);
    expect(result.findings[0]).toMatchObject({ category: 'duplicate', userId: 'direct' });
    expect(result.findings[0]?.salesforce.map((u) => u.username)).toEqual([`direct@${DOMAIN}`, `d2@${DOMAIN}`]);
  });

  it('counts a Salesforce user that belongs to nobody as unattributed', () => {
    const org = [...converged(), sf(`stranger@${DOMAIN}`)];
    const result = checkConvergence(tenant, preexisting, org, [`admin@${DOMAIN}`]);
    expect(result.counts.unattributed).toBe(1);
    expect(result.unattributed.map((u) => u.username)).toEqual([`stranger@${DOMAIN}`]);
  });
});
