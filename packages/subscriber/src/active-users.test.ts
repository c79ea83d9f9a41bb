import { readFileSync } from 'node:fs';
import type { LifecycleEventV1 } from '@provision/events';
import { describe, expect, it } from 'vitest';
import { ActiveUsers, formatSummary } from './active-users.ts';

const fixture = (type: string) =>
  (
    JSON.parse(readFileSync(new URL(`../../events/fixtures/lifecycle-${type}.v1.json`, import.meta.url), 'utf8')) as {
      value: LifecycleEventV1;
    }
  ).value;

describe('ActiveUsers', () => {
  it('keeps the state the last event of each user states', () => {
    const table = new ActiveUsers();
    for (const type of ['joiner', 'mover', 'provisioned', 'leaver', 'deprovisioned']) table.apply(fixture(type));
    // Adele joined, moved, left; the third user was reactivated; the second was deprovisioned.
    expect(table.get('3f1c9a52-8d2e-4b7a-9c1e-2a6b5d4e7f10')).toMatchObject({ active: false, last: 'leaver' });
    expect(table.active().map((r) => [r.userId, r.salesforceId])).toEqual([
      ['1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', '005000000000007AAA'],
    ]);
    expect(table.summary()).toEqual({
      received: { joiner: 1, mover: 1, leaver: 1, provisioned: 1, deprovisioned: 1 },
      duplicates: 0,
      active: 1,
      inactive: 2,
    });
  });

  it('applies a redelivered event (same eventId) once, and counts it as a duplicate', () => {
    const table = new ActiveUsers();
    expect(table.apply(fixture('joiner'))).toBe(true);
    expect(table.apply(fixture('leaver'))).toBe(true);
    // The joiner again, after a restart: it must not make Adele active again.
    expect(table.apply(fixture('joiner'))).toBe(false);
    expect(table.get('3f1c9a52-8d2e-4b7a-9c1e-2a6b5d4e7f10')?.active).toBe(false);
    expect(formatSummary(table.summary())).toBe(
      '0 active in Salesforce, 1 inactive (received 1 joiner, 0 mover, 1 leaver, 0 provisioned, 0 deprovisioned; 1 redelivered, ignored)',
    );
  });
});
