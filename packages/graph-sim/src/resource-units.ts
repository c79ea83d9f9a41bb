/**
 * Graph's identity-and-access throttling (`../../../shared/reference/graph.md` §5.1, from the
 * throttling doc): a token bucket per app and tenant of 3,500 resource units per 10 s for a tenant
 * under 50 users, 5,000 for 50–500, 8,000 above 500. Requests cost `GET users` 2,
 * `GET groups/{id}/members` 3, `GET servicePrincipals/{id}/appRoleAssignments` 2, any other GET 1,
 * a write 1. Past 80 % of the bucket every answer carries `x-ms-throttle-limit-percentage`; an
 * empty bucket answers 429 with `Retry-After` (seconds until the request's cost has refilled).
 */

const WINDOW_MS = 10_000;

/** The bucket size for a tenant of `users` users. */
export function tenantLimit(users: number): number {
  if (users < 50) return 3_500;
  if (users <= 500) return 5_000;
  return 8_000;
}

/** What one Graph request costs, in resource units (path without the query, after `/v1.0`). */
export function resourceUnitCost(method: string, url: string): number {
  if (method !== 'GET') return 1;
  const path = (url.split('?')[0] ?? '').replace(/^\/v1\.0/, '').replace(/\/$/, '');
  // `users/delta` lists users as `GET users` does (the doc prices the list, not the delta form).
  if (/^\/users(\/(microsoft\.graph\.)?delta(\(\))?)?$/i.test(path)) return 2;
  if (/^\/groups\/[^/]+\/(members|transitiveMembers)(\/|$)/i.test(path)) return 3;
  if (/^\/servicePrincipals\/[^/]+\/(appRoleAssignments|appRoleAssignedTo)$/i.test(path)) return 2;
  return 1;
}

export type Admission =
  | { readonly ok: true; readonly cost: number; readonly limitPercentage: number | undefined }
  | { readonly ok: false; readonly cost: number; readonly retryAfterSeconds: number };

/** The token bucket of one app in one tenant; `enabled` false admits everything (the default). */
export class ResourceUnitBucket {
  enabled = false;
  #tokens: number | undefined;
  #at = 0;

  /** Admits (and charges) a request of `cost` units, or says how long to wait. */
  admit(cost: number, tenantUsers: number, now: number): Admission {
    if (!this.enabled) return { ok: true, cost, limitPercentage: undefined };
    const limit = tenantLimit(tenantUsers);
    const refilled = (this.#tokens ?? limit) + ((now - this.#at) * limit) / WINDOW_MS;
    const tokens = Math.min(limit, refilled);
    this.#at = now;
    if (tokens < cost) {
      this.#tokens = tokens;
      const waitMs = ((cost - tokens) * WINDOW_MS) / limit;
      return { ok: false, cost, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    this.#tokens = tokens - cost;
    const used = (limit - this.#tokens) / limit;
    return { ok: true, cost, limitPercentage: used >= 0.8 ? Math.round(used * 100) / 100 : undefined };
  }

  reset(): void {
    this.#tokens = undefined;
  }
}
