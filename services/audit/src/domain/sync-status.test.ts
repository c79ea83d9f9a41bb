import { describe, expect, it } from 'vitest';
import { outcomeOf, syncStateOf } from './sync-status.ts';

describe('outcomeOf', () => {
  it('tells created from matched, and names each action as the summary does', () => {
    expect(outcomeOf({ status: 'success', action: 'create', linkedBy: 'created' })).toBe('created');
    expect(outcomeOf({ status: 'success', action: 'create', linkedBy: 'matched' })).toBe('matched');
    expect(outcomeOf({ status: 'success', action: 'update', linkedBy: 'link' })).toBe('updated');
    expect(outcomeOf({ status: 'warning', action: 'disable', linkedBy: 'link' })).toBe('deactivated');
    expect(outcomeOf({ status: 'success', action: 'reactivate', linkedBy: 'link' })).toBe('reactivated');
    expect(outcomeOf({ status: 'failure', action: 'create', linkedBy: 'none' })).toBe('failed');
    expect(outcomeOf({ status: 'pending', action: 'create', linkedBy: null })).toBe('pending');
    expect(outcomeOf({ status: 'skipped', action: 'skip', linkedBy: 'none' })).toBe('skipped');
  });
});

describe('syncStateOf', () => {
  it('reads the state from the markers seen', () => {
    expect(syncStateOf({ startedAt: null, completedAt: null })).toBe('not-started');
    expect(syncStateOf({ startedAt: '2026-11-26T11:00:00Z', completedAt: null })).toBe('in-progress');
    expect(syncStateOf({ startedAt: '2026-11-26T11:00:00Z', completedAt: '2026-11-26T11:01:00Z' })).toBe('completed');
  });
});
