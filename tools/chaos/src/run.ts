// One chaos run: the pipeline under faults, then the wait for convergence, then the report.

import { fetchSyncStatus, LINK_FIELD, type Pipeline, provisioningLog, startPipeline } from '@provision/demo';
import { up } from '@provision/infra';
import type { ChaosOptions } from './args.ts';
import {
  auditCompleteness,
  commandIdsOn,
  type EntrySummary,
  entriesByUser,
  lastEntrySignature,
  readAuditLog,
} from './audit.ts';
import { type ChangeRecord, ChangeStream, initialHistory } from './changes.ts';
import {
  clearGraphFaults,
  clearSalesforceFaults,
  type InjectedFault,
  runGraphFaults,
  runInfraFaults,
  runSalesforceFaults,
  sleepUntil,
} from './inject.ts';
import { ensureAllRunning, type KillRecord, runKills } from './kills.ts';
import { checkConvergence, type OracleResult, type OrgUser } from './oracle.ts';
import { seededRandom } from './random.ts';
import { type ReconcileRecord, reconcileAsAdmin } from './reconcile.ts';
import { type ChaosReport, countBy, type Example } from './report.ts';
import {
  changeCount,
  faultWindowMs,
  planChanges,
  planGraphFaults,
  planKills,
  planSalesforceFaults,
  SERVICES,
} from './schedule.ts';
import { chatterFreeProfiles, readOrg, readTenant } from './views.ts';

/** What the services run with, besides the harness's defaults (stated in the report). */
export const SERVICE_SETTINGS = {
  // A SIGKILLed writer holds its partitions until its session expires: 10 s, not the default 90 s
  // (as the writer-crash e2e test does), or a dozen kills would spend the whole window waiting.
  writer: { WRITER_SESSION_TIMEOUT_MS: '10000' },
} as const;

const EXAMPLES_PER_CATEGORY = 5;
const POLL_MS = 3000;

export interface ChaosRun {
  report: ChaosReport;
  pipeline: Pipeline;
}

/** Runs the whole thing; `log` gets progress lines (the caller prints them on stderr). */
export async function runChaos(options: ChaosOptions, log: (line: string) => void): Promise<ChaosRun> {
  const random = seededRandom(options.seed);
  const windowMs = faultWindowMs(options.users);
  const killPlan = planKills(options.kills, windowMs, random.fork('kills'));
  const salesforcePlan = planSalesforceFaults(windowMs, random.fork('salesforce'));
  const graphPlan = planGraphFaults(windowMs, random.fork('graph'));
  const changePlan = planChanges(changeCount(options.users), windowMs, random.fork('changes'));

  const pipeline = await startPipeline({
    users: options.users,
    seed: options.seed,
    existingShare: 0.1,
    env: SERVICE_SETTINGS,
    onStep: (m) => log(`starting ${m}`),
  });
  try {
    return { report: await underFaults(), pipeline };
  } catch (error) {
    if (!options.keep) await pipeline.stop().catch(() => undefined);
    throw error;
  }

  async function underFaults(): Promise<ChaosReport> {
    const { graph, salesforce } = pipeline.sims;
    const infra = await up({ log: () => undefined });
    log(`audit ${pipeline.auditUrl}   logs ${pipeline.logDir}`);
    const history = initialHistory(readTenant(graph), pipeline.sims.preexisting);
    const t0 = Date.now();
    const since = () => Math.round((Date.now() - t0) / 100) / 10;
    const stop = new AbortController();
    const kills: KillRecord[] = [];
    const injected: InjectedFault[] = [];
    const changes: ChangeRecord[] = [];

    // When the initial sync is over (for the report), and which pre-existing users Provision has
    // matched (the audit logged a success for them): only those may change.
    let initialSyncSeconds: number | null = null;
    const linked = new Set<string>();
    const watchInitialSync = (async () => {
      while (!stop.signal.aborted) {
        const s = await fetchSyncStatus(pipeline.auditUrl).catch(() => undefined);
        if (initialSyncSeconds === null && s?.initialSyncCompleted) initialSyncSeconds = since();
        if (linked.size < history.matchedPreexisting.size) {
          try {
            // Matched and already as Entra has it may log a skip: any settled entry naming its Salesforce user counts.
            for await (const e of provisioningLog(pipeline.auditUrl, { status: 'success,skipped,warning' })) {
              if (e.targetIdentity.id && history.matchedPreexisting.has(e.sourceIdentity.id)) {
                linked.add(e.sourceIdentity.id);
              }
            }
          } catch {
            // the audit may be down (killed): next round
          }
        }
        await sleepUntil(Date.now() + 2000, stop.signal);
      }
    })();

    log(
      `faults for ${windowMs / 1000} s: ${options.kills} kills, ${salesforcePlan.length} Salesforce episodes, ` +
        `${graphPlan.length} Graph faults, ${changePlan.length} tenant changes`,
    );
    const stream = new ChangeStream(graph, random.fork('targets'), history, (id) => linked.has(id));
    const changing = (async () => {
      for (const planned of changePlan) {
        if (await sleepUntil(t0 + planned.atMs, stop.signal)) return;
        const change = stream.apply(planned.kind, since());
        changes.push(change);
        if (change.skipped) log(`  t+${change.atMs}s change ${change.kind} skipped: ${change.skipped}`);
      }
    })();
    const killing = runKills(pipeline, killPlan, t0, (k) => {
      kills.push(k);
      log(
        `  t+${k.at}s SIGKILL ${k.service}${k.whileStarting ? ' (while starting)' : ''}` +
          `${k.readyAfter === undefined ? '' : `, ready again after ${k.readyAfter} s`}${k.error ? ` — ${k.error}` : ''}`,
      );
    });
    const record = (f: InjectedFault) => {
      injected.push(f);
      if (f.error) log(`  t+${f.at}s fault ${f.target} ${f.kind} not injected: ${f.error}`);
    };
    const faulting = Promise.all([
      runSalesforceFaults(salesforce, salesforcePlan, t0, stop.signal, record),
      runGraphFaults(graph, graphPlan, t0, stop.signal, record),
      runInfraFaults(
        {
          brokerRestart: options.brokerRestart,
          redisFlush: options.redisFlush,
          windowMs,
          redisUrl: infra.REDIS_URL,
          redisPrefix: `${pipeline.runId}:`,
        },
        t0,
        stop.signal,
        record,
      ),
    ]);

    await sleepUntil(t0 + windowMs, new AbortController().signal);
    stop.abort();
    await Promise.all([faulting, changing, watchInitialSync]);
    await Promise.all([clearSalesforceFaults(salesforce), clearGraphFaults(graph)]);
    log(`t+${since()}s faults stopped; waiting for the kills in progress`);
    await killing;
    const servicesNotRunning = await ensureAllRunning(pipeline, SERVICES);
    // After a Redis loss, the admin's step the mapper's warning names (docs/operations.md, "The
    // durable link"): users deleted in Entra while Provision could not see it are settled by link.
    let reconcile: ReconcileRecord | null = null;
    if (options.redisFlush) {
      reconcile = await reconcileAsAdmin(pipeline, LINK_FIELD.name);
      log(
        reconcile.orphans === null
          ? `t+${since()}s provision reconcile --apply failed (exit ${reconcile.exitCode}): ${reconcile.error}`
          : `t+${since()}s provision reconcile --apply: ${reconcile.orphans} linked Salesforce users whose Entra user is gone, ${reconcile.applied} removals published`,
      );
    }
    const faultsEnded = Date.now();
    log(`t+${since()}s every service runs; waiting for convergence (at most ${options.timeoutSeconds} s)`);

    // Convergence: the oracle finds nothing and no command waits for its result, twice in a row.
    let result: OracleResult | undefined;
    let firstClean: number | null = null;
    let pending = -1;
    const deadline = faultsEnded + options.timeoutSeconds * 1000;
    for (;;) {
      result = checkConvergence(
        readTenant(graph),
        history,
        readOrg(salesforce),
        [salesforce.credentials.username],
        chatterFreeProfiles(salesforce),
      );
      pending = (await fetchSyncStatus(pipeline.auditUrl).catch(() => undefined))?.progress.pending ?? -1;
      const c = result.counts;
      const clean = c.duplicates + c.missing + c.wrong + c.stale + c.unattributed === 0 && pending === 0;
      log(
        `  +${Math.round((Date.now() - faultsEnded) / 1000)}s: ${c.duplicates} duplicates, ${c.missing} missing, ` +
          `${c.wrong} wrong, ${c.stale} stale, ${c.unattributed} unattributed; ${pending} commands pending`,
      );
      if (clean && firstClean !== null) break;
      firstClean = clean ? (firstClean ?? Date.now()) : null;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const converged = firstClean !== null;
    log(converged ? 'converged; reading the audit log and the commands topics' : 'did not converge; reading the audit');

    const entries = await readAuditLog(pipeline.auditUrl).catch((error: Error) => error);
    if (entries instanceof Error) log(`could not read the audit log: ${entries.message}`);
    const onTopic = await commandIdsOn(
      infra.KAFKA_BROKERS,
      ['provisioning.commands.v1', 'provisioning.commands.live.v1'].map((t) => `${pipeline.runId}.${t}`),
    ).catch((error: Error) => error);
    const audit = entries instanceof Error ? null : auditCompleteness(entries, onTopic);
    const byUser = entries instanceof Error ? new Map<string, EntrySummary[]>() : entriesByUser(entries);

    // A refusal is the state the tenant implies only if the log tells the admin so.
    for (const f of result.findings.filter((f) => f.category === 'refused')) {
      const logged = (byUser.get(f.userId) ?? []).some((e) => e.errorCode === 'SalesforceLicenseChangeRefused');
      if (logged) continue;
      f.category = 'wrong';
      f.note += ', and no SalesforceLicenseChangeRefused entry in the log';
      result.counts.refused -= 1;
      result.counts.wrong += 1;
    }

    const examples: ChaosReport['examples'] = {};
    const breakdown: ChaosReport['breakdown'] = {};
    for (const category of ['duplicate', 'missing', 'wrong', 'stale', 'refused'] as const) {
      const findings = result.findings.filter((f) => f.category === category);
      if (findings.length === 0) continue;
      breakdown[category] = countBy(findings, (f) => lastEntrySignature(byUser.get(f.userId)));
      examples[category] = findings.slice(0, EXAMPLES_PER_CATEGORY).map(
        (f): Example => ({
          userId: f.userId,
          upn: f.upn,
          expected: f.expected,
          salesforce: f.salesforce,
          differences: f.differences,
          note: f.note,
          audit: byUser.get(f.userId) ?? [],
          changes: changes.filter((c) => c.userId === f.userId),
        }),
      );
    }
    if (result.unattributed.length > 0)
      examples.unattributed = result.unattributed.slice(0, EXAMPLES_PER_CATEGORY) as OrgUser[];

    return {
      seed: options.seed,
      users: options.users,
      runId: pipeline.runId,
      logDir: pipeline.logDir,
      settings: {
        faultWindowMs: windowMs,
        timeoutSeconds: options.timeoutSeconds,
        existingShare: 0.1,
        env: SERVICE_SETTINGS,
      },
      kills: kills.sort((a, b) => a.at - b.at),
      faults: { injected, byKind: countBy(injected, (f) => `${f.target}:${f.kind}`) },
      changes: {
        planned: changePlan.length,
        made: changes.filter((c) => !c.skipped).length,
        byKind: countBy(
          changes.filter((c) => !c.skipped),
          (c) => c.kind,
        ),
        skipped: changes.filter((c) => c.skipped),
      },
      requests: { salesforce: salesforce.admin.requestCounts(), graph: graph.admin.requestCounts() },
      preexisting: {
        total: history.preexisting.size,
        inScopeAtStart: history.matchedPreexisting.size,
        matchedDuringFaults: linked.size,
        changed: changes.filter((c) => c.userId !== undefined && !c.skipped && history.preexisting.has(c.userId))
          .length,
      },
      initialSyncSeconds,
      faultWindowSeconds: windowMs / 1000,
      converged,
      convergedInSeconds: firstClean === null ? null : Math.round((firstClean - faultsEnded) / 100) / 10,
      counts: result.counts,
      audit,
      breakdown,
      examples,
      servicesNotRunning,
      reconcile,
    };
  }
}
