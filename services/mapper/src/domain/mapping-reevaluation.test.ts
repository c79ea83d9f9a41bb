import type { DirectoryEventV1 } from '@provision/events';
import { defaultMappingConfig, type MappingConfig } from '@provision/mapping';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  InMemoryCommandSink,
  InMemoryDeactivationGuardStore,
  InMemoryFailureStore,
  InMemoryMappingStateStore,
  InMemoryPictureStore,
} from '../testing/fakes.ts';
import { createBatchProcessor } from './batch-processor.ts';
import { describeMappingDiff, diffMappings, mappingFingerprint } from './mapping-diff.ts';
import type { MappingCheckEvent } from './mapping-reevaluation.ts';

const at = '2026-11-26T11:00:00.000Z';
let seq = 0;
const id = () => `id-${++seq}`;

function upsert(userId: string, attrs: Record<string, string | boolean>): DirectoryEventV1 {
  return {
    type: 'user.upserted',
    eventId: id(),
    syncId: 's1',
    observedAt: at,
    userId,
    complete: true,
    attributes: {
      userPrincipalName: `${userId}@contoso.com`,
      mail: `${userId}@contoso.com`,
      givenName: 'Adele',
      surname: 'Vance',
      accountEnabled: true,
      ...attrs,
    },
  };
}
function assign(userId: string): DirectoryEventV1 {
  return {
    type: 'assignment.changed',
    eventId: id(),
    syncId: 's1',
    observedAt: at,
    userId,
    assignmentId: `a-${userId}`,
    principalType: 'User',
    principalId: userId,
    role: { appRoleId: 'role-std', roleValue: 'Standard User' },
    change: 'added',
  };
}

const BEFORE = defaultMappingConfig();
// Sales only, and the job title kept in step: u1 gains a Title, u3 (Support) leaves the scope.
const AFTER: MappingConfig = {
  ...BEFORE,
  scopingFilters: [{ name: 'Sales', clauses: [{ attribute: 'department', operator: 'EQUALS', value: 'Sales' }] }],
  mappings: [...BEFORE.mappings, { target: 'Title', source: 'jobTitle', apply: 'always' }],
};

describe('a mapping change re-evaluates every user of the partition', () => {
  let store: InMemoryPictureStore;
  let sink: InMemoryCommandSink;
  let guard: InMemoryDeactivationGuardStore;
  let state: InMemoryMappingStateStore;
  let events: MappingCheckEvent[];

  /** A mapper replica started at `loadedAt` with `config`, over the shared stores. */
  const replica = (config: MappingConfig, options: { loadedAt?: string; threshold?: number } = {}) =>
    createBatchProcessor({
      store,
      sink,
      failures: new InMemoryFailureStore(),
      guard,
      guardPolicy: { threshold: options.threshold ?? 0, windowMs: 600_000 },
      config,
      context: { newId: id, now: () => new Date(at), dryRun: false },
      mappingState: {
        store: state,
        fingerprint: mappingFingerprint(config),
        loadedAt: new Date(options.loadedAt ?? '2026-11-26T10:00:00.000Z'),
        onEvent: (e) => events.push(e),
      },
    });
  const idle = { partition: 0, events: [] };

  beforeEach(async () => {
    store = new InMemoryPictureStore();
    sink = new InMemoryCommandSink();
    guard = new InMemoryDeactivationGuardStore();
    state = new InMemoryMappingStateStore();
    events = [];
    // The first-ever start: three users provisioned with the default mapping.
    await replica(BEFORE, { loadedAt: '2026-11-26T09:00:00.000Z' }).process({
      partition: 0,
      events: [
        upsert('u1', { department: 'Sales', jobTitle: 'Engineer' }),
        upsert('u2', { department: 'Sales' }),
        upsert('u3', { department: 'Support', jobTitle: 'Agent' }),
        assign('u1'),
        assign('u2'),
        assign('u3'),
      ],
    });
  });

  it('on the first-ever start records the mapping and re-evaluates nobody', async () => {
    expect(sink.commands.map((c) => [c.userId, c.action])).toEqual([
      ['u1', 'create'],
      ['u2', 'create'],
      ['u3', 'create'],
    ]);
    expect(sink.commands.some((c) => c.reasons.some((r) => r.code === 'mapping-changed'))).toBe(false);
    expect(events).toEqual([{ kind: 'first', partition: 0, fingerprint: mappingFingerprint(BEFORE) }]);
    expect(await state.applied(0)).toMatchObject({ fingerprint: mappingFingerprint(BEFORE) });
    expect(await state.lastChange()).toBeNull();
  });

  it('sends nothing when the mapping is unchanged', async () => {
    sink.commands.length = 0;
    await replica(BEFORE).process(idle);
    expect(sink.commands).toEqual([]);
    expect(await state.lastChange()).toBeNull();
  });

  it('sends commands for exactly the users the change affects, with their old → new and the change id, and records the change', async () => {
    sink.commands.length = 0;
    await replica(AFTER).process(idle);
    const fingerprint = mappingFingerprint(AFTER);
    const changed = sink.commands.filter((c) => c.action !== 'skip');
    expect(changed.map((c) => [c.userId, c.action]).sort()).toEqual([
      ['u1', 'update'],
      ['u3', 'disable'],
    ]);
    expect(changed.find((c) => c.userId === 'u1')?.modifiedProperties).toEqual([
      { name: 'Title', oldValue: null, newValue: 'Engineer' },
    ]);
    for (const c of sink.commands) {
      expect(c.changeId).toBe(`mapping-${fingerprint}`);
      expect(c.reasons).toContainEqual(
        expect.objectContaining({
          code: 'mapping-changed',
          message: expect.stringContaining('attribute mappings: added Title; scoping filters: added Sales'),
        }),
      );
    }
    expect(await state.applied(0)).toMatchObject({ fingerprint });
    expect(await state.lastChange()).toMatchObject({
      fingerprint,
      previous: mappingFingerprint(BEFORE),
      changeId: `mapping-${fingerprint}`,
      summary: 'attribute mappings: added Title; scoping filters: added Sales',
      partitions: [{ partition: 0, reevaluated: 3, commands: expect.objectContaining({ update: 1, disable: 1 }) }],
    });
    // Applied once: the next start with the same mapping sends nothing.
    sink.commands.length = 0;
    await replica(AFTER, { loadedAt: '2026-11-26T12:00:00.000Z' }).process(idle);
    expect(sink.commands).toEqual([]);
  });

  it('holds back deactivations past the guard threshold, as for any other cause', async () => {
    sink.commands.length = 0;
    const supportOnly: MappingConfig = {
      ...BEFORE,
      scopingFilters: [{ clauses: [{ attribute: 'department', operator: 'EQUALS', value: 'Support' }] }],
    };
    await replica(supportOnly, { threshold: 1 }).process(idle);
    const outcomes = sink.commands.map((c) => [
      c.userId,
      c.action,
      c.reasons.some((r) => r.code === 'deactivation-guard'),
    ]);
    expect(outcomes).toEqual([
      ['u1', 'disable', false],
      ['u2', 'skip', true],
    ]);
    expect(await guard.staged()).toEqual(['u2']);
  });

  it('is done again after a crash before the record, without a second command for the users already decided', async () => {
    sink.commands.length = 0;
    const setApplied = state.setApplied.bind(state);
    state.setApplied = async () => {
      throw new Error('killed');
    };
    await expect(replica(AFTER).process(idle)).rejects.toThrow('killed');
    expect(sink.commands.filter((c) => c.action !== 'skip')).toHaveLength(2);
    expect(await state.applied(0)).toMatchObject({ fingerprint: mappingFingerprint(BEFORE) });

    state.setApplied = setApplied;
    sink.commands.length = 0;
    await replica(AFTER).process(idle);
    // Re-evaluated again (the record says so), but Salesforce was already commanded: nothing to send.
    expect(sink.commands).toEqual([]);
    expect(await state.applied(0)).toMatchObject({ fingerprint: mappingFingerprint(AFTER) });
    expect(await state.lastChange()).toMatchObject({ partitions: [{ reevaluated: 3 }] });
  });

  it('is done again, commands and all, when the crash came before the commands went out', async () => {
    sink.commands.length = 0;
    const publish = sink.publish.bind(sink);
    sink.publish = async () => {
      throw new Error('broker down');
    };
    await expect(replica(AFTER).process(idle)).rejects.toThrow('broker down');
    sink.publish = publish;
    await replica(AFTER).process(idle);
    expect(
      sink.commands
        .filter((c) => c.action !== 'skip')
        .map((c) => c.userId)
        .sort(),
    ).toEqual(['u1', 'u3']);
  });

  it('leaves a partition alone when a replica started later applied another mapping (a rolling deployment)', async () => {
    await replica(AFTER, { loadedAt: '2026-11-26T12:00:00.000Z' }).process(idle);
    sink.commands.length = 0;
    events.length = 0;
    await replica(BEFORE, { loadedAt: '2026-11-26T11:00:00.000Z' }).process(idle);
    expect(sink.commands).toEqual([]);
    expect(events).toMatchObject([{ kind: 'older', applied: { fingerprint: mappingFingerprint(AFTER) } }]);
    expect(await state.applied(0)).toMatchObject({ fingerprint: mappingFingerprint(AFTER) });
  });

  it('waits for a full sync in progress to end', async () => {
    await store.setFullSync(0, 'full-1');
    sink.commands.length = 0;
    const mapper = replica(AFTER);
    await mapper.process(idle);
    expect(sink.commands).toEqual([]);
    expect(events.at(-1)).toMatchObject({ kind: 'deferred' });
    await store.setFullSync(0, null);
    await mapper.process(idle);
    expect(sink.commands.filter((c) => c.action !== 'skip')).toHaveLength(2);
  });
});

describe('the mapping diff', () => {
  it('names the attribute mappings, rules, filters and settings added, changed and removed', () => {
    const before = defaultMappingConfig();
    const after: MappingConfig = {
      ...before,
      scope: 'allUsers',
      mappings: [
        ...before.mappings.filter((m) => m.target !== 'Alias'),
        { target: 'Title', source: 'jobTitle', apply: 'always' as const },
      ].map((m) => (m.target === 'Email' ? { ...m, source: 'userPrincipalName' } : m)),
      roleRules: [{ group: 'g1', role: 'Sales Rep' }],
    };
    expect(describeMappingDiff(diffMappings(before, after))).toBe(
      'attribute mappings: added Title, changed Email, removed Alias; role rules: added g1; settings: changed scope',
    );
    expect(diffMappings(before, defaultMappingConfig())).toEqual([]);
    expect(mappingFingerprint(before)).toBe(mappingFingerprint(defaultMappingConfig()));
    expect(mappingFingerprint(after)).not.toBe(mappingFingerprint(before));
  });
});
