// The fault schedule, planned up front from the seed (pure): when each service is killed, when
// Salesforce and Graph misbehave and how, and when the tenant changes (the targets of each change
// are chosen when it happens, from the tenant as it is then).

import type { Random } from './random.ts';

export const SERVICES = ['ingestor', 'mapper', 'writer', 'audit'] as const;
export type Service = (typeof SERVICES)[number];

/** How long the faults last: about 60–90 s for 3,000 users, less for a small tenant. */
export function faultWindowMs(users: number): number {
  return Math.round(Math.min(90_000, Math.max(20_000, 20_000 + users * 20)));
}

/** How many tenant changes: ~150 for 3,000 users, and at least one of every kind. */
export function changeCount(users: number): number {
  return Math.max(CHANGE_KINDS.length, Math.round(users / 20));
}

/**
 * One kill: SIGKILL the service at `atMs` and start it again. With `whileStartingAfterMs`, the new
 * process is killed again that long after it was spawned, before it is ready, and then started once
 * more (two kills in the count).
 */
export interface PlannedKill {
  atMs: number;
  service: Service;
  whileStartingAfterMs?: number;
}

/** `kills` kills over the window; when there are two or more, one pair hits a service while it starts. */
export function planKills(kills: number, windowMs: number, random: Random): PlannedKill[] {
  if (kills <= 0) return [];
  const events = kills >= 2 ? kills - 1 : kills;
  const services = shuffle([...SERVICES], random);
  const plan: PlannedKill[] = [];
  for (let i = 0; i < events; i++) {
    // Every service is killed once before any is killed twice.
    const service = i < services.length ? (services[i] as Service) : (random.pick(SERVICES) as Service);
    plan.push({ atMs: Math.round(random.between(0.05, 0.9) * windowMs), service });
  }
  plan.sort((a, b) => a.atMs - b.atMs);
  if (kills >= 2) {
    const double = plan[random.int(0, plan.length - 1)] as PlannedKill;
    double.whileStartingAfterMs = random.int(200, 1500);
  }
  return plan;
}

/** The Salesforce simulator's fault configuration (its `PUT /__admin/faults` body). */
export interface SalesforceFaults {
  latency?: { minMs: number; maxMs: number };
  serverErrorRate?: number;
  burst?: { status: 429 | 503; count: number; retryAfterSeconds?: number };
  dropConnections?: { count: number };
  unableToLockRowRate?: number;
  pathContains?: string;
}

/** What runs under every episode: 5 % of calls answered 500, 20–200 ms latency, 5 % of records locked. */
export const SALESFORCE_BASELINE: SalesforceFaults = {
  serverErrorRate: 0.05,
  latency: { minMs: 20, maxMs: 200 },
  unableToLockRowRate: 0.05,
};

export const SALESFORCE_EPISODES = [
  'burst-429',
  'burst-503',
  'drop-connections',
  'expire-session',
  'login-outage',
  'query-errors',
  'collections-errors',
  'lock-storm',
] as const;
export type SalesforceEpisodeKind = (typeof SALESFORCE_EPISODES)[number];

/** A spell of Salesforce trouble: `config` replaces the baseline for `durationMs`; `expireSessions` ends every session first. */
export interface SalesforceEpisode {
  atMs: number;
  durationMs: number;
  kind: SalesforceEpisodeKind;
  config: SalesforceFaults;
  expireSessions: boolean;
}

function salesforceEpisode(kind: SalesforceEpisodeKind, atMs: number, durationMs: number, random: Random) {
  const base = { atMs, durationMs, kind, expireSessions: false };
  switch (kind) {
    case 'burst-429':
    case 'burst-503':
      return {
        ...base,
        config: {
          ...SALESFORCE_BASELINE,
          burst: {
            status: kind === 'burst-429' ? (429 as const) : (503 as const),
            count: random.int(5, 20),
            retryAfterSeconds: random.int(1, 2),
          },
        },
      };
    case 'drop-connections':
      return { ...base, config: { ...SALESFORCE_BASELINE, dropConnections: { count: random.int(2, 6) } } };
    case 'expire-session':
      return { ...base, config: { ...SALESFORCE_BASELINE }, expireSessions: true };
    case 'login-outage':
      // Sessions end, and the logins that follow fail for a while (SOAP login and the OAuth token endpoint).
      return {
        ...base,
        config: { pathContains: '/services/', burst: { status: 503 as const, count: random.int(2, 4) } },
        expireSessions: true,
      };
    case 'query-errors':
      return { ...base, config: { pathContains: '/query', serverErrorRate: 0.5, latency: { minMs: 50, maxMs: 400 } } };
    case 'collections-errors':
      return {
        ...base,
        config: { pathContains: '/composite/sobjects', serverErrorRate: 0.3, latency: { minMs: 100, maxMs: 600 } },
      };
    case 'lock-storm':
      return { ...base, config: { ...SALESFORCE_BASELINE, unableToLockRowRate: 0.4 } };
  }
}

// Episodes whose faults are counted (the next N requests) rather than a rate: they stay until the
// next episode, since the writer batches 200 records a call and may make no call for seconds.
const COUNTED: readonly SalesforceEpisodeKind[] = ['burst-429', 'burst-503', 'drop-connections', 'login-outage'];

/**
 * Episodes one after the other over the window (about one every 5 s), every kind at least once. A
 * counted fault lasts until the next episode, a rate lasts 1.5–4 s; the baseline runs in between.
 */
export function planSalesforceFaults(windowMs: number, random: Random): SalesforceEpisode[] {
  const count = Math.max(SALESFORCE_EPISODES.length, Math.round(windowMs / 5000));
  const kinds = kindsFor(SALESFORCE_EPISODES, count, random);
  const slot = windowMs / count;
  const starts = kinds.map((_, i) => Math.round(i * slot + random.between(0, slot * 0.3)));
  return kinds.map((kind, i) => {
    const atMs = starts[i] as number;
    const untilNext = (starts[i + 1] ?? windowMs) - atMs;
    const durationMs = COUNTED.includes(kind)
      ? untilNext
      : Math.round(Math.min(untilNext * 0.8, random.between(1500, 4000)));
    return salesforceEpisode(kind, atMs, durationMs, random);
  });
}

/** A Graph simulator fault (its `POST /__admin/faults` body). */
export type GraphFault =
  | { kind: 'throttle'; retryAfterSeconds: number; count: number }
  | { kind: 'error'; status: number; code: string; count: number }
  | { kind: 'latency'; ms: number; count: number }
  | { kind: 'deltaReset'; count: number }
  /** Every access token issued so far is revoked (`POST /__admin/tokens/revoke`). */
  | { kind: 'revoke' };

export interface GraphEpisode {
  atMs: number;
  fault: GraphFault;
}

export const GRAPH_EPISODES = ['throttle', 'error', 'latency', 'deltaReset', 'revoke'] as const;

/** Graph throttling bursts with Retry-After (most of them), 503s, slow answers, a delta reset, revoked tokens. */
export function planGraphFaults(windowMs: number, random: Random): GraphEpisode[] {
  const count = Math.max(GRAPH_EPISODES.length, Math.round(windowMs / 6000));
  // Throttling is what Graph does most: every extra episode is a throttling burst.
  const kinds = [...shuffle([...GRAPH_EPISODES], random), ...Array(count - GRAPH_EPISODES.length).fill('throttle')];
  const episodes = kinds.map((kind): GraphEpisode => {
    const atMs = Math.round(random.between(0, 0.9) * windowMs);
    switch (kind as (typeof GRAPH_EPISODES)[number]) {
      case 'throttle':
        return { atMs, fault: { kind: 'throttle', retryAfterSeconds: random.int(1, 3), count: random.int(3, 15) } };
      case 'error':
        return { atMs, fault: { kind: 'error', status: 503, code: 'serviceNotAvailable', count: random.int(2, 6) } };
      case 'latency':
        return { atMs, fault: { kind: 'latency', ms: random.int(200, 1500), count: random.int(5, 20) } };
      case 'revoke':
        return { atMs, fault: { kind: 'revoke' } };
      default:
        return { atMs, fault: { kind: 'deltaReset', count: 1 } };
    }
  });
  return episodes.sort((a, b) => a.atMs - b.atMs);
}

export const CHANGE_KINDS = [
  'rename',
  'change-upn',
  'disable',
  'enable',
  'soft-delete',
  'restore',
  'hard-delete',
  'new-user',
  'unassign',
  'change-role',
  'default-access',
  'add-to-group',
  'remove-from-group',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface PlannedChange {
  atMs: number;
  kind: ChangeKind;
}

/** `count` changes spread over the window: every kind once (in a random order) and then random kinds. */
export function planChanges(count: number, windowMs: number, random: Random): PlannedChange[] {
  const kinds = kindsFor(CHANGE_KINDS, count, random);
  // A restore needs a soft-deleted user: the first restore comes after the first soft delete.
  const firstDelete = kinds.indexOf('soft-delete');
  const firstRestore = kinds.indexOf('restore');
  if (firstRestore < firstDelete) [kinds[firstRestore], kinds[firstDelete]] = ['soft-delete', 'restore'];
  const times = kinds.map(() => Math.round(random.between(0, 0.92) * windowMs)).sort((a, b) => a - b);
  return kinds.map((kind, i) => ({ atMs: times[i] as number, kind }));
}

/** `count` kinds: each of `all` once in a random order, then random ones. */
function kindsFor<T>(all: readonly T[], count: number, random: Random): T[] {
  const kinds = shuffle([...all], random);
  while (kinds.length < count) kinds.push(random.pick(all) as T);
  return kinds.slice(0, Math.max(count, 0));
}

function shuffle<T>(list: T[], random: Random): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [list[i], list[j]] = [list[j] as T, list[i] as T];
  }
  return list;
}
