import type { FastifyRequest } from 'fastify';
import type { TokenService } from '../auth.ts';
import type { DeltaTokenCodec } from '../delta.ts';
import type { FaultPlan } from '../faults.ts';
import { GraphHttpError } from '../graph-error.ts';
import type { SubscriptionService } from '../subscriptions.ts';
import type { Tenant } from '../tenant/tenant.ts';

/** What every route of the simulator shares. */
export interface SimContext {
  readonly tenant: Tenant;
  readonly tokens: TokenService;
  readonly codec: DeltaTokenCodec;
  readonly faults: FaultPlan;
  readonly subscriptions: SubscriptionService;
  readonly settings: SimSettings;
}

/** Tunables the admin API may change at run time. */
export interface SimSettings {
  /** Objects per delta page (Graph: about 200). */
  deltaPageSize: number;
  /** Age after which a delta or skip token is refused with `syncStateNotFound` (Graph: 7 days). */
  deltaTokenTtlMs: number;
  /** Bumped to invalidate every outstanding delta token. */
  deltaGeneration: number;
}

/** The https origin the client reached us at, so links point back to the same host and port. */
export function origin(request: FastifyRequest): string {
  return `https://${request.headers.host ?? `localhost`}`;
}

/** A JSON object body, or Graph's error for anything else. */
export function jsonObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GraphHttpError(
      400,
      'BadRequest',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  }
  return body as Record<string, unknown>;
}

/** A query parameter as a single string (repeated parameters are a bad request). */
export function queryString(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new GraphHttpError(
      400,
      'BadRequest',
      `Query option '${name}' was specified more than once, but it must be specified at most once.`,
    );
  return value;
}

/** Rejects OData options a route does not support, as Graph does. */
export function rejectOptions(query: unknown, names: readonly string[]): void {
  for (const name of names) {
    if (queryString(query, name) !== undefined) {
      throw new GraphHttpError(400, 'Request_UnsupportedQuery', `Unsupported query option '${name}' on this request.`);
    }
  }
}

/** `$top` within [1, max], default `fallback`. */
export function parseTop(query: unknown, fallback: number, max: number): number {
  const raw = queryString(query, '$top');
  if (raw === undefined) return fallback;
  const top = Number(raw);
  if (!Number.isInteger(top) || top < 1 || top > max) {
    throw new GraphHttpError(
      400,
      'Request_BadRequest',
      `Invalid page size specified: '${raw}'. Must be between 1 and ${max} inclusive.`,
    );
  }
  return top;
}
