import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, isProvisionError, isRetriable, ProvisionError } from './index.ts';

describe('ProvisionError', () => {
  it('takes its retriable flag from the catalogue unless overridden', () => {
    expect(new ProvisionError('PRV_CONFIG_INVALID', 'bad').retriable).toBe(false);
    expect(new ProvisionError('PRV_HANDLER_FAILED', 'x').retriable).toBe(true);
    expect(new ProvisionError('PRV_GRAPH_REQUEST_FAILED', 'x', { retriable: false }).retriable).toBe(false);
  });

  it('keeps the cause and frozen details', () => {
    const cause = new Error('root');
    const err = new ProvisionError('PRV_EVENT_INVALID', 'bad event', { cause, details: { path: 'a.b' } });
    expect(err.cause).toBe(cause);
    expect(err.details).toEqual({ path: 'a.b' });
    expect(Object.isFrozen(err.details)).toBe(true);
    expect(JSON.parse(JSON.stringify(err))).toMatchObject({ code: 'PRV_EVENT_INVALID', retriable: false });
  });

  it('is recognised by brand, and unknown errors count as retriable', () => {
    expect(isProvisionError(new ProvisionError('PRV_NOT_FOUND', 'x'))).toBe(true);
    expect(isProvisionError(new Error('x'))).toBe(false);
    expect(isRetriable(new Error('socket hang up'))).toBe(true);
    expect(isRetriable(new ProvisionError('PRV_ROLE_CONFLICT', 'x'))).toBe(false);
  });
});

describe('docs/errors.md', () => {
  it('lists exactly the codes of the catalogue', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const documented = new Set([...doc.matchAll(/^\| `(PRV_[A-Z_]+)`\s*\|/gm)].map((m) => m[1]));
    expect([...documented].sort()).toEqual(Object.keys(ERROR_CATALOGUE).sort());
  });
});
