// Latency: the time from a change made in the tenant (graph-sim's admin API) to the moment the
// change is written in Salesforce (salesforce-sim's state), for single changes at a modest rate
// after the initial sync.
import { seededRandom } from '../packages/graph-sim/src/index.ts';
import type { Pipeline } from '../tools/demo/src/index.ts';
import { load1 } from './lib/machine.ts';
import { type Distribution, distribution, round } from './lib/stats.ts';

export interface LatencyOptions {
  /** Changes in the stream. */
  changes: number;
  /** Mean arrival rate of the stream (Poisson arrivals), changes per second. */
  ratePerSecond: number;
  seed: number;
  /** A change not visible after this long counts as missed (its latency is infinite in the percentiles). */
  timeoutMs: number;
  /** Isolated app-role changes (nothing else happening), each waited for up to `probeTimeoutMs`. */
  roleProbes: number;
  probeTimeoutMs: number;
}

export const LATENCY_TARGET_MS = 2000;

/** Changes Graph sends a change notification for (users and groups are subscribed). */
const NOTIFIED = ['rename', 'disable', 'enable', 'delete', 'restore', 'join', 'leave'] as const;
type Kind = (typeof NOTIFIED)[number] | 'role';

/** Share of each kind in the stream; a kind with nobody to apply it to yet falls back to a rename. */
const MIX: readonly [Kind, number][] = [
  ['rename', 0.4],
  ['disable', 0.1],
  ['enable', 0.1],
  ['delete', 0.1],
  ['restore', 0.1],
  ['join', 0.1],
  ['leave', 0.05],
  ['role', 0.05],
];

/** A Salesforce user as the simulator's admin API shows it. */
type SfUser = Readonly<Record<string, unknown>>;

interface Change {
  i: number;
  kind: Kind;
  userId: string;
  upn: string;
  /** Date.now() just before the admin call. */
  at: number;
  expect: (u: SfUser | undefined) => boolean;
  /** Salesforce's LastModifiedDate of the record once it shows the change (the write's own time). */
  writtenAt?: number;
  /** When this benchmark saw it (polling every 10 ms): an upper bound of writtenAt. */
  observedAt?: number;
  missed?: boolean;
  /** 1-minute load average when the change was made. */
  load: number;
  /** LastModifiedDate of the record just before the change (0 if none): only a later write counts. */
  before: number;
  /** The record already looked as expected before the change (e.g. deactivated by something else). */
  preMatched: boolean;
}

export interface LatencyResult {
  parameters: LatencyOptions & { tenantUsers: number };
  /** Notification-driven changes: the headline. */
  notified: Distribution & { missed: number };
  byKind: Record<string, Distribution & { missed: number }>;
  /** Same changes measured by when the benchmark saw them (10 ms polling): an upper bound. */
  notifiedObserved: Distribution;
  /** Role changes inside the stream: picked up by a round some other change's notification triggered. */
  roleInStream: (Distribution & { missed: number }) | null;
  /** Role changes with nothing else happening: they wait for the polling backstop. */
  roleIsolated: { latencyMs: number | null; timeoutMs: number }[];
  streamSeconds: number;
  raw: {
    i: number;
    kind: Kind;
    latencyMs: number | null;
    observedMs: number | null;
    load: number;
    preMatched: boolean;
  }[];
  /** Changes whose record already looked as expected before the change (counted only once rewritten). */
  preMatched: number;
  pass: boolean;
}

export async function measureLatency(
  pipeline: Pipeline,
  options: LatencyOptions,
  log: (line: string) => void,
): Promise<LatencyResult> {
  const { graph, salesforce } = pipeline.sims;
  const sf = salesforce.admin;
  const orgId = salesforce.orgId;
  const random = seededRandom(options.seed);
  const profiles = new Map(sf.summary(orgId).profiles.map((p) => [p.name, p.id]));
  const roleName = new Map(graph.tenant.application.appRoles.map((r) => [r.id, r.value]));

  const sfUser = (upn: string): SfUser | undefined => sf.users(orgId, { username: upn.toLowerCase() })[0];

  // Who may be changed: provisioned (active in Salesforce), enabled in Entra, one change each.
  const assignedGroups = new Map<string, string>(); // group id → role value
  const directRole = new Map<string, { assignmentId: string; role: string }[]>();
  for (const a of graph.tenant.visibleAssignments()) {
    const role = roleName.get(a.appRoleId) ?? '';
    if (a.principalType === 'Group') assignedGroups.set(a.principalId, role);
    else if (a.principalType === 'User') {
      const list = directRole.get(a.principalId) ?? [];
      list.push({ assignmentId: a.id, role });
      directRole.set(a.principalId, list);
    }
  }
  const inAssignedGroup = new Set<string>();
  for (const groupId of assignedGroups.keys()) {
    for (const member of graph.tenant.groups.objects.get(groupId)?.members ?? []) inAssignedGroup.add(member);
  }
  const candidates: { id: string; upn: string }[] = [];
  const roleCandidates: { id: string; upn: string }[] = [];
  for (const user of graph.tenant.users.objects.values()) {
    if (user.deletedDateTime !== null || user.props['accountEnabled'] !== true) continue;
    const upn = String(user.props['userPrincipalName']);
    if (sfUser(upn)?.['IsActive'] !== true) continue;
    const direct = directRole.get(user.id) ?? [];
    // Role changes only for users whose one role is their direct assignment (no group role to conflict with).
    if (direct.length === 1 && !inAssignedGroup.has(user.id) && profiles.has(direct[0]!.role))
      roleCandidates.push({ id: user.id, upn });
    else candidates.push({ id: user.id, upn });
  }
  shuffle(candidates, random);
  shuffle(roleCandidates, random);
  const joinGroup = [...assignedGroups].find(([, role]) => role === 'Standard User')?.[0];
  log(
    `latency: ${candidates.length} users to change, ${roleCandidates.length} for role changes, join group ${joinGroup ?? 'none'}`,
  );

  const disabled: { id: string; upn: string }[] = [];
  const deleted: { id: string; upn: string }[] = [];
  const joined: { id: string; upn: string }[] = [];
  const all: Change[] = [];
  const pending = new Set<Change>();

  const apply = (i: number, wanted: Kind): Change => {
    let kind = wanted;
    if (kind === 'enable' && disabled.length === 0) kind = 'rename';
    if (kind === 'restore' && deleted.length === 0) kind = 'rename';
    if (kind === 'leave' && joined.length === 0) kind = 'rename';
    if (kind === 'join' && !joinGroup) kind = 'rename';
    if (kind === 'role' && roleCandidates.length === 0) kind = 'rename';
    // Read before each admin call: the record's last write and whether it already shows the change.
    let prior: SfUser | undefined;
    const at = (upn?: string) => {
      prior = upn === undefined ? undefined : sfUser(upn);
      return Date.now();
    };
    const make = (target: { id: string; upn: string }, expect: Change['expect'], t: number): Change => ({
      i,
      kind,
      userId: target.id,
      upn: target.upn,
      at: t,
      expect,
      load: load1(),
      before: prior ? Date.parse(String(prior['LastModifiedDate'])) : 0,
      preMatched: prior !== undefined && expect(prior),
    });
    switch (kind) {
      case 'rename': {
        const target = candidates.pop()!;
        const givenName = `Renamed${i}`;
        const surname = `Bench${i}x`;
        const t = at(target.upn);
        graph.admin.updateUser(target.id, { givenName, surname });
        return make(target, (u) => u?.['FirstName'] === givenName && u?.['LastName'] === surname, t);
      }
      case 'disable': {
        const target = candidates.pop()!;
        const t = at(target.upn);
        graph.admin.updateUser(target.id, { accountEnabled: false });
        return make(target, (u) => u?.['IsActive'] === false, t);
      }
      case 'enable': {
        const target = disabled.shift()!;
        const t = at(target.upn);
        graph.admin.updateUser(target.id, { accountEnabled: true });
        return make(target, (u) => u?.['IsActive'] === true, t);
      }
      case 'delete': {
        const target = candidates.pop()!;
        const t = at(target.upn);
        graph.admin.softDelete('user', target.id);
        return make(target, (u) => u?.['IsActive'] === false, t);
      }
      case 'restore': {
        const target = deleted.shift()!;
        const t = at(target.upn);
        graph.admin.restore(target.id);
        return make(target, (u) => u?.['IsActive'] === true, t);
      }
      case 'join': {
        // A new hire: created in Entra and added to a group assigned to the app (group-based assignment).
        const nickname = `bench.join${i}.${options.seed}`;
        const t = at();
        const created = graph.admin.createUser({
          mailNickname: nickname,
          givenName: 'Joiner',
          surname: `Bench${i}`,
          displayName: `Joiner Bench${i}`,
          mail: `${nickname}@${graph.tenant.domain}`,
          preferredLanguage: 'en-US',
          usageLocation: 'US',
        });
        graph.admin.addMember(joinGroup!, String(created['id']));
        return make(
          { id: String(created['id']), upn: String(created['userPrincipalName']) },
          (u) => u?.['IsActive'] === true,
          t,
        );
      }
      case 'leave': {
        const target = joined.shift()!;
        const t = at(target.upn);
        graph.admin.removeMember(joinGroup!, target.id);
        return make(target, (u) => u?.['IsActive'] === false, t);
      }
      case 'role': {
        const target = roleCandidates.pop()!;
        const current = directRole.get(target.id)![0]!;
        const next = current.role === 'Standard User' ? 'Marketing User' : 'Standard User';
        const profileId = profiles.get(next);
        const t = at(target.upn);
        graph.admin.unassign(current.assignmentId);
        graph.admin.assign(target.id, next);
        return make(target, (u) => u?.['ProfileId'] === profileId, t);
      }
    }
  };

  // The poller: every 10 ms, each change still pending is looked up in Salesforce's state.
  const poll = () => {
    const now = Date.now();
    for (const c of pending) {
      const u = sfUser(c.upn);
      const stamp = Date.parse(String(u?.['LastModifiedDate']));
      // Visible = the record shows the change through a write made after the change.
      if (c.expect(u) && stamp > c.before) {
        c.observedAt = now;
        c.writtenAt = stamp;
        pending.delete(c);
        if (c.kind === 'disable') disabled.push({ id: c.userId, upn: c.upn });
        if (c.kind === 'delete') deleted.push({ id: c.userId, upn: c.upn });
        if (c.kind === 'join') joined.push({ id: c.userId, upn: c.upn });
      } else if (now - c.at > options.timeoutMs) {
        c.missed = true;
        pending.delete(c);
      }
    }
  };
  const poller = setInterval(poll, 10);

  const pickKind = (): Kind => {
    let r = random();
    for (const [kind, share] of MIX) {
      r -= share;
      if (r < 0) return kind;
    }
    return 'rename';
  };

  const streamStart = Date.now();
  try {
    for (let i = 0; i < options.changes; i++) {
      if (candidates.length === 0) break;
      const change = apply(i, pickKind());
      all.push(change);
      pending.add(change);
      // Poisson arrivals: exponential gaps with the given mean.
      await sleep(-Math.log(1 - random()) * (1000 / options.ratePerSecond));
      if (i % 25 === 24) log(`latency: ${i + 1}/${options.changes} changes made, ${pending.size} pending`);
    }
    while (pending.size > 0) await sleep(50);
  } finally {
    clearInterval(poller);
  }
  const streamSeconds = (Date.now() - streamStart) / 1000;

  // Role changes alone: Graph neither delta-tracks nor notifies app role assignments.
  const roleIsolated: { latencyMs: number | null; timeoutMs: number }[] = [];
  for (let p = 0; p < options.roleProbes && roleCandidates.length > 0; p++) {
    await sleep(2000);
    const change = apply(options.changes + p, 'role');
    const deadline = change.at + options.probeTimeoutMs;
    let latency: number | null = null;
    while (Date.now() < deadline) {
      const u = sfUser(change.upn);
      const stamp = Date.parse(String(u?.['LastModifiedDate']));
      if (change.expect(u) && stamp > change.before) {
        latency = stamp - change.at;
        break;
      }
      await sleep(10);
    }
    log(
      `latency: isolated role change ${latency === null ? `not in Salesforce after ${options.probeTimeoutMs} ms` : `${latency} ms`}`,
    );
    roleIsolated.push({ latencyMs: latency, timeoutMs: options.probeTimeoutMs });
  }

  const latencyOf = (c: Change) => (c.missed ? Number.POSITIVE_INFINITY : c.writtenAt! - c.at);
  const dist = (list: Change[]) => ({
    ...distribution(list.map(latencyOf)),
    missed: list.filter((c) => c.missed).length,
  });
  // A change whose record already showed it (something else had written it) measures nothing: left out, counted.
  const notified = all.filter((c) => c.kind !== 'role' && !c.preMatched);
  const roles = all.filter((c) => c.kind === 'role' && !c.preMatched);
  const byKind: Record<string, Distribution & { missed: number }> = {};
  for (const kind of NOTIFIED) {
    const list = notified.filter((c) => c.kind === kind);
    if (list.length > 0) byKind[kind] = dist(list);
  }
  const headline = dist(notified);
  return {
    parameters: { ...options, tenantUsers: graph.tenant.users.objects.size },
    notified: headline,
    byKind,
    notifiedObserved: distribution(notified.map((c) => (c.missed ? Number.POSITIVE_INFINITY : c.observedAt! - c.at))),
    roleInStream: roles.length > 0 ? dist(roles) : null,
    roleIsolated,
    streamSeconds: round(streamSeconds),
    raw: all.map((c) => ({
      i: c.i,
      kind: c.kind,
      latencyMs: c.missed ? null : c.writtenAt! - c.at,
      observedMs: c.missed ? null : c.observedAt! - c.at,
      load: c.load,
      preMatched: c.preMatched,
    })),
    preMatched: all.filter((c) => c.preMatched).length,
    pass: headline.missed === 0 && headline.p99 <= LATENCY_TARGET_MS,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function shuffle<T>(list: T[], random: () => number): void {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
}
