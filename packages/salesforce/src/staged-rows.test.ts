import { describe, expect, it } from 'vitest';
import type { RowsClient } from './assignment-rows.ts';
import { StagedRows, type StageIo } from './staged-rows.ts';

/** An adapter that records what each send held, and answers one row or one result per item. */
function recordingIo(fail?: { kind: 'read' | 'write'; object: string }) {
  const sends: string[][] = [];
  const io: StageIo = {
    queryEach: async (queries) => {
      sends.push(queries.map((q) => `read ${q.prefix}`));
      return queries.map((q, i) =>
        fail?.kind === 'read' && q.prefix.endsWith(fail.object)
          ? new Error('read failed')
          : q.values.map((v) => ({ Id: v })),
      );
    },
    writeEach: async (writes) => {
      sends.push(
        writes.map((w) => (w.kind === 'insert' ? `insert ${w.object} ${w.records.length}` : `remove ${w.object}`)),
      );
      return writes.map((w, i) =>
        fail?.kind === 'write' && w.object === fail.object
          ? new Error('write failed')
          : (w.kind === 'insert' ? w.records : w.ids).map(() => ({ success: true })),
      );
    },
  };
  return { io, sends };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** A step as `assignRows` makes it: maybe some work of its own first, a read, inserts, deletes. */
function step(object: string, plan: { read?: boolean; inserts?: number; removes?: number; slowStart?: boolean }) {
  return async (client: (object: string) => RowsClient) => {
    const rows = client(object);
    if (plan.slowStart) await tick();
    const read = plan.read ? await rows.queryIn(`SELECT Id FROM ${object}`, 'AssigneeId', ['a', 'b']) : [];
    const inserted = plan.inserts
      ? await rows.insert(Array.from({ length: plan.inserts }, (_, i) => ({ Name: `${object}${i}` })))
      : [];
    const removed = plan.removes ? await rows.remove(Array.from({ length: plan.removes }, (_, i) => `id${i}`)) : [];
    return { read: read.length, inserted: inserted.length, removed: removed.length };
  };
}

describe('StagedRows', () => {
  it('sends every step’s read together, then every insert in step order, then every delete in step order', async () => {
    const { io, sends } = recordingIo();
    const results = await new StagedRows(io).run([
      step('PermissionSetLicenseAssign', { read: true, inserts: 2, slowStart: true }),
      step('PermissionSetAssignment', { read: true, inserts: 1, removes: 1 }),
      step('GroupMember', { inserts: 3, removes: 2 }),
      step('PermissionSetLicenseAssign', { read: true, removes: 1 }),
    ]);
    expect(sends).toEqual([
      [
        'read SELECT Id FROM PermissionSetLicenseAssign',
        'read SELECT Id FROM PermissionSetAssignment',
        'read SELECT Id FROM PermissionSetLicenseAssign',
      ],
      ['insert PermissionSetLicenseAssign 2', 'insert PermissionSetAssignment 1', 'insert GroupMember 3'],
      ['remove PermissionSetAssignment', 'remove GroupMember', 'remove PermissionSetLicenseAssign'],
    ]);
    expect(results).toEqual([
      { read: 2, inserted: 2, removed: 0 },
      { read: 2, inserted: 1, removed: 1 },
      { read: 0, inserted: 3, removed: 2 },
      { read: 2, inserted: 0, removed: 1 },
    ]);
  });

  it('fails only the step whose part failed; the others go on', async () => {
    const { io, sends } = recordingIo({ kind: 'write', object: 'PermissionSetAssignment' });
    const outcomes = await new StagedRows(io).run([
      (client) => step('PermissionSetAssignment', { inserts: 1 })(client).catch((e: Error) => e.message),
      step('GroupMember', { inserts: 1, removes: 1 }),
    ]);
    expect(outcomes).toEqual(['write failed', { read: 0, inserted: 1, removed: 1 }]);
    expect(sends).toEqual([['insert PermissionSetAssignment 1', 'insert GroupMember 1'], ['remove GroupMember']]);
  });

  it('sends nothing for steps that need no call', async () => {
    const { io, sends } = recordingIo();
    expect(await new StagedRows(io).run([step('GroupMember', {}), step('GroupMember', {})])).toHaveLength(2);
    expect(sends).toEqual([]);
  });
});
