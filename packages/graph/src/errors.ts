import { ProvisionError } from '@provision/errors';
import { parseRetryAfter } from '@provision/retry';

/** The shape of the SDK's `GraphError` we rely on (duck-typed: it is a plain Error subclass). */
interface GraphErrorLike {
  statusCode: number;
  code: string | null;
  message: string;
  requestId?: string | null;
  headers?: Headers;
}

function isGraphError(error: unknown): error is GraphErrorLike {
  return error instanceof Error && typeof (error as Partial<GraphErrorLike>).statusCode === 'number';
}

/**
 * True when Graph says a delta token can no longer be used: `syncStateNotFound` or `resyncRequired`
 * (compared case-insensitively: Outlook spells it `SyncStateNotFound`), or `410 Gone`.
 */
export function isDeltaExpired(error: unknown): boolean {
  if (!isGraphError(error)) return false;
  const code = (error.code ?? '').toLowerCase();
  return error.statusCode === 410 || code === 'syncstatenotfound' || code === 'resyncrequired';
}

/** Turns whatever the Graph SDK threw into a ProvisionError with the status, Graph code and request id. */
export function graphFailure(error: unknown, action: string): ProvisionError {
  if (isDeltaExpired(error)) {
    return new ProvisionError(
      'PRV_GRAPH_DELTA_EXPIRED',
      `${action}: the delta cursor is no longer valid; run a full round`,
      {
        cause: error,
        details: details(error as GraphErrorLike),
      },
    );
  }
  if (!isGraphError(error)) {
    return new ProvisionError(
      'PRV_GRAPH_REQUEST_FAILED',
      `${action}: ${String(error instanceof Error ? error.message : error)}`,
      {
        cause: error,
      },
    );
  }
  const status = error.statusCode;
  const retriable = status <= 0 || status === 408 || status === 429 || status >= 500;
  return new ProvisionError(
    'PRV_GRAPH_REQUEST_FAILED',
    `${action}: ${status} ${error.code ?? ''} ${error.message}`.trim(),
    {
      cause: error,
      retriable,
      details: details(error),
    },
  );
}

function details(error: GraphErrorLike): Record<string, unknown> {
  const out: Record<string, unknown> = {
    status: error.statusCode,
    graphCode: error.code,
    requestId: error.requestId ?? null,
  };
  const wait = parseRetryAfter(error.headers?.get?.('retry-after') ?? undefined);
  if (wait !== undefined) out['retryAfterMs'] = wait;
  return out;
}
