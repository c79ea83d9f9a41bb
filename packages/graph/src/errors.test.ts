import { describe, expect, it } from 'vitest';
import { graphFailure, isDeltaExpired } from './errors.ts';

function graphError(statusCode: number, code: string, headers?: Record<string, string>): Error {
  return Object.assign(new Error('x'), { statusCode, code, requestId: 'r1', headers: new Headers(headers) });
}

describe('isDeltaExpired', () => {
  it('recognises syncStateNotFound in any case, resyncRequired and 410', () => {
    expect(isDeltaExpired(graphError(400, 'syncStateNotFound'))).toBe(true);
    expect(isDeltaExpired(graphError(410, 'SyncStateNotFound'))).toBe(true);
    expect(isDeltaExpired(graphError(400, 'resyncRequired'))).toBe(true);
    expect(isDeltaExpired(graphError(410, 'Gone'))).toBe(true);
    expect(isDeltaExpired(graphError(400, 'Request_BadRequest'))).toBe(false);
    expect(isDeltaExpired(new Error('x'))).toBe(false);
  });
});

describe('graphFailure', () => {
  it('marks throttling and server errors retriable, with the Retry-After delay', () => {
    const throttled = graphFailure(graphError(429, 'TooManyRequests', { 'retry-after': '2.5' }), 'reading');
    expect(throttled).toMatchObject({
      code: 'PRV_GRAPH_REQUEST_FAILED',
      retriable: true,
      details: { status: 429, retryAfterMs: 2500 },
    });
    expect(graphFailure(graphError(404, 'Request_ResourceNotFound'), 'reading').retriable).toBe(false);
    expect(graphFailure(graphError(400, 'syncStateNotFound'), 'reading').code).toBe('PRV_GRAPH_DELTA_EXPIRED');
  });
});
