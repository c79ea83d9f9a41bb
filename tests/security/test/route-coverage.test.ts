import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { covers, registeredRoutes } from './support/registered-routes.ts';
import { NOT_YET_COVERED, ROUTE_NAMES } from './support/routes.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const { routes, unreadable } = registeredRoutes(ROOT);
// `GET /healthz (ingestor)` names the open routes each service serves alike.
const covered = ROUTE_NAMES.map(({ service, name }) => ({ service, name: name.replace(/ \(\w+\)$/, '') }));
const keyOf = (r: { service: string; method: string; path: string }) => `${r.service} ${r.method} ${r.path}`;
const isCovered = (r: (typeof routes)[number]) => covered.some((c) => c.service === r.service && covers(c.name, r));

describe('the hostile-input suite covers every route the services register', () => {
  it('reads every registration in the services’ source', () => {
    expect(unreadable, 'registrations whose path the scan cannot read: cover them and teach the scan').toEqual([]);
    // A sanity check of the scan itself: routes of each service, the relays made in a loop too.
    const keys = new Set(routes.map(keyOf));
    for (const key of [
      'ingestor POST /api/provisioning/restart',
      'writer GET /api/salesforce-users/:entraObjectId',
      'audit POST /api/console/provisioning/resume',
      'audit GET /users/:userId',
      'mapper GET /metrics',
    ])
      expect(keys.has(key), key).toBe(true);
  });

  it('generates requests for each registered route, or lists it in NOT_YET_COVERED with why', () => {
    const missing = routes.filter((r) => !isCovered(r) && !(keyOf(r) in NOT_YET_COVERED));
    expect(
      missing.map((r) => `${keyOf(r)} (${r.at})`),
      'routes without hostile requests: add a generator to support/routes.ts',
    ).toEqual([]);
  });

  it('NOT_YET_COVERED names only routes that exist and are still not covered', () => {
    const stale = Object.keys(NOT_YET_COVERED).filter((key) => {
      const route = routes.find((r) => keyOf(r) === key);
      return route === undefined || isCovered(route);
    });
    expect(stale, 'gone or covered now: take them off NOT_YET_COVERED').toEqual([]);
  });

  it('each covered name is a route some service registers (no generator for a route that is gone)', () => {
    const orphans = covered.filter(
      (c) => c.name.includes(' /') && !routes.some((r) => r.service === c.service && covers(c.name, r)),
    );
    expect(orphans).toEqual([]);
  });
});
