import { readFileSync } from 'node:fs';
import { LifecycleEventV1, type ProvisioningResultV1 } from '@provision/events';
import { describe, expect, it } from 'vitest';
import { lifecycleEventOf } from './lifecycle.ts';

const fixture = (name: string) =>
  (
    JSON.parse(
      readFileSync(new URL(`../../../../packages/events/fixtures/${name}.v1.json`, import.meta.url), 'utf8'),
    ) as {
      value: unknown;
    }
  ).value;

const created = fixture('result-success') as ProvisioningResultV1;
const result = (patch: Partial<ProvisioningResultV1>): ProvisioningResultV1 => ({ ...created, ...patch });
const deactivated = [{ name: 'IsActive', oldValue: true, newValue: false }];

describe('lifecycleEventOf', () => {
  it('makes a created Salesforce user a joiner, active, with the fields written and the reasons', () => {
    const event = lifecycleEventOf(created, ['in-scope', 'role-resolved']);
    expect(event).toEqual({
      eventId: `${created.commandId}:lifecycle`,
      type: 'joiner',
      userId: created.userId,
      salesforceId: '005000000000001AAA',
      active: true,
      changes: created.modifiedProperties,
      reasons: ['in-scope', 'role-resolved'],
      action: 'create',
      linkedBy: 'created',
      commandId: created.commandId,
      changeId: created.changeId,
      occurredAt: created.completedAt,
    });
    expect(LifecycleEventV1.parse(event)).toEqual(event);
  });

  it.each([
    ['a create that matched an existing user', { action: 'create', linkedBy: 'matched' }, 'provisioned'],
    ['a create that found the user by its link', { action: 'create', linkedBy: 'link' }, 'provisioned'],
    ['a reactivation', { action: 'reactivate', linkedBy: 'link' }, 'provisioned'],
    ['an update that had to create the user', { action: 'update', linkedBy: 'created' }, 'joiner'],
    ['an update that changed fields', { action: 'update', linkedBy: 'link' }, 'mover'],
  ] as const)('makes %s a %s event, active', (_, patch, type) => {
    expect(lifecycleEventOf(result(patch), [])).toMatchObject({ type, active: true });
  });

  it('makes a deactivation a leaver when the person left Entra, else deprovisioned, inactive', () => {
    const disable = result({ action: 'disable', linkedBy: 'link', modifiedProperties: deactivated });
    expect(lifecycleEventOf(disable, ['soft-deleted'])).toMatchObject({ type: 'leaver', active: false });
    expect(lifecycleEventOf(disable, ['account-disabled'])).toMatchObject({ type: 'leaver', active: false });
    expect(lifecycleEventOf(disable, ['unassigned'])).toMatchObject({ type: 'deprovisioned', active: false });
    expect(lifecycleEventOf(disable, null)).toMatchObject({ type: 'deprovisioned', reasons: [] });
  });

  it.each([
    ['a failure', { status: 'failure', salesforceId: null }],
    ['a skip', { action: 'skip', status: 'skipped' }],
    ['a dry run', { dryRun: true }],
    ['an update that wrote nothing', { action: 'update', linkedBy: 'link', modifiedProperties: [] }],
    ['a success without a Salesforce id', { salesforceId: null }],
  ] as const)('gives no event for %s', (_, patch) => {
    expect(lifecycleEventOf(result(patch as Partial<ProvisioningResultV1>), [])).toBeNull();
  });

  it('gives the same event for a redelivered result', () => {
    expect(lifecycleEventOf(created, ['in-scope'])).toEqual(lifecycleEventOf(structuredClone(created), ['in-scope']));
  });

  it('counts a warning (provisioned with caveats) as written', () => {
    expect(lifecycleEventOf(result({ status: 'warning' }), [])?.type).toBe('joiner');
  });
});
