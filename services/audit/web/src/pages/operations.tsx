import { useEffect, useRef, useState } from 'preact/hooks';
import { type Api, ApiError, problemOf } from '../api.ts';
import { Facts, Notice, Unavailable } from '../components/common.tsx';
import { duration, plain, plural, show, when } from '../format.ts';
import { linkHandler } from '../router.ts';
import type { DeadLetter, GroupLag, RestartAnswer, SyncStatus, WriterCapacity } from '../types.ts';
import { type ReadProblem, usePoll } from '../use-poll.ts';

const POLL_MS = 3_000;
// The rate is measured over the last minute of samples, so one slow poll does not swing the ETA.
const RATE_WINDOW_MS = 60_000;

/** Operations: the sync and its progress, pause / resume / restart, the guard, the quarantine and its clear. */
export function OperationsPage({ api, canOperate }: { api: Api; canOperate: boolean }) {
  const [status, setStatus] = useState<SyncStatus | null>(null);
  const [dead, setDead] = useState<DeadLetter[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const samples = useRef<{ at: number; results: number; since: string | null }[]>([]);
  const refresh = useRef<() => Promise<void>>(async () => {});

  useEffect(() => {
    let live = true;
    const poll = async () => {
      try {
        const [s, d] = await Promise.all([
          api.get<SyncStatus>('/api/sync-status'),
          api.get<{ items: DeadLetter[] }>('/api/dead-letters?limit=10'),
        ]);
        if (!live) return;
        const now = Date.now();
        // A new full sync restarts the count: the old samples say nothing about its rate.
        samples.current = samples.current.filter((x) => x.since === s.progress.since && now - x.at <= RATE_WINDOW_MS);
        samples.current.push({ at: now, results: s.progress.resultsReceived, since: s.progress.since });
        setStatus(s);
        setDead(d.items);
        setProblem(null);
      } catch (e) {
        if (live) setProblem(problemOf(e));
      }
    };
    refresh.current = poll;
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api]);

  const first = samples.current[0];
  const last = samples.current[samples.current.length - 1];
  const rate =
    first && last && last.at > first.at ? ((last.results - first.results) * 1000) / (last.at - first.at) : null;

  return (
    <div class="operations">
      <h1>Operations</h1>
      <Notice>{problem}</Notice>
      <div class="grid">
        <section class="card" aria-labelledby="sync-title">
          <h2 id="sync-title">Sync</h2>
          {status ? <SyncPanel status={status} rate={rate} /> : <p>Loading…</p>}
        </section>
        <ProvisioningPanel api={api} canOperate={canOperate} status={status} refresh={() => refresh.current()} />
        <GuardPanel api={api} canOperate={canOperate} />
        <QuarantinePanel api={api} canOperate={canOperate} status={status} refresh={() => refresh.current()} />
        <section class="card" aria-labelledby="dead-title">
          <h2 id="dead-title">Dead letters</h2>
          {status && (
            <p>
              {plural(status.deadLetters.total, 'dead letter')} in total
              {status.deadLetters.latestAt ? `, the latest ${when(status.deadLetters.latestAt)}` : ''}.
            </p>
          )}
          {dead.length > 0 && (
            <ul class="dead-letters">
              {dead.map((d) => (
                <li key={d.id}>
                  {when(d.receivedAt)} <code>{d.sourceTopic}</code> {d.errorCode && <code>{d.errorCode}</code>}{' '}
                  {plain(d.reason)}
                </li>
              ))}
            </ul>
          )}
        </section>
        <section class="card" aria-labelledby="control-title">
          <h2 id="control-title">Salesforce capacity</h2>
          <CapacityPanel api={api} />
          <LagPanel api={api} />
        </section>
      </div>
    </div>
  );
}

function SyncPanel({ status, rate }: { status: SyncStatus; rate: number | null }) {
  const full = status.fullSync;
  const p = status.progress;
  const state = full.state ?? 'not-started';
  const eta = rate && rate > 0 && p.pending > 0 ? p.pending / rate : null;
  const failuresLink = '/logs?status=failure';
  return (
    <>
      <p>
        Full sync: <strong class={`state state-${state}`}>{state.replace('-', ' ')}</strong>{' '}
        {'syncId' in full && <code class="small">{full.syncId}</code>}
      </p>
      {'startedAt' in full && full.startedAt && (
        <p class="muted">
          Started {when(full.startedAt)}
          {full.completedAt ? `, completed ${when(full.completedAt)}` : ''}
        </p>
      )}
      <p class="muted">
        {status.initialSyncCompleted
          ? 'Initial sync completed; incremental changes flow.'
          : 'Initial sync not completed yet.'}
      </p>
      <label class="progress-label" for="sync-progress">
        {p.resultsReceived.toLocaleString()} of {p.commandsIssued.toLocaleString()} commands have a result (
        {p.pending.toLocaleString()} pending)
      </label>
      <progress id="sync-progress" max={Math.max(p.commandsIssued, 1)} value={p.resultsReceived} />
      <Facts
        rows={[
          ['Rate', rate === null ? 'measuring…' : `${rate.toFixed(1)} results/s`],
          ['ETA (commands issued so far)', p.pending === 0 ? 'nothing pending' : eta === null ? '—' : duration(eta)],
          [
            'Last change',
            status.lastChange
              ? `${status.lastChange.action} → ${status.lastChange.status}, ${when(status.lastChange.completedAt)}`
              : null,
          ],
        ]}
      />
      <h3>Outcomes since the full sync started</h3>
      <Counts counts={status.counts.byOutcome} />
      {Object.keys(status.counts.byErrorCode).length > 0 && (
        <>
          <h3>Error and skip codes</h3>
          <Counts counts={status.counts.byErrorCode} link={(code) => `/logs?errorCode=${encodeURIComponent(code)}`} />
          <p>
            <a href={failuresLink} onClick={linkHandler(failuresLink)}>
              See the failures in the log
            </a>
          </p>
        </>
      )}
    </>
  );
}

function Counts({ counts, link }: { counts: Record<string, number>; link?: (key: string) => string }) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return <p class="muted">None yet.</p>;
  return (
    <ul class="counts">
      {entries.map(([k, n]) => (
        <li key={k}>
          {link ? (
            <a href={link(k)} onClick={linkHandler(link(k))}>
              {k}
            </a>
          ) : (
            <span class={`status-${k}`}>{k}</span>
          )}{' '}
          <strong>{n.toLocaleString()}</strong>
        </li>
      ))}
    </ul>
  );
}

interface ActionProps {
  api: Api;
  canOperate: boolean;
  status: SyncStatus | null;
  refresh: () => Promise<void>;
}

/** Runs one admin action: busy while it runs, its answer or its problem shown, the status read again. */
function useAction(refresh: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const [problem, setProblem] = useState<ReadProblem | null>(null);
  const run = async (action: () => Promise<string>) => {
    setBusy(true);
    setProblem(null);
    try {
      setResult(await action());
      await refresh();
    } catch (e) {
      const message = problemOf(e);
      if (message) setProblem({ message, unavailable: e instanceof ApiError && e.unavailable });
    } finally {
      setBusy(false);
    }
  };
  return { busy, result, problem, run };
}

const byWhom = (by: { name?: string } | null | undefined) => (by?.name ? ` by ${by.name}` : '');

/**
 * Entra's "Stop provisioning", "Start provisioning" and "Restart provisioning": the ingestor reads
 * no Graph and the writers hold their batches while paused; a restart forgets the ingestor's delta
 * cursors and assignment snapshot and runs a full sync (after a confirmation).
 */
function ProvisioningPanel({ api, canOperate, status, refresh }: ActionProps) {
  const { busy, result, problem, run } = useAction(refresh);
  const [reason, setReason] = useState('');
  const pauseDialog = useRef<HTMLDialogElement>(null);
  const restartDialog = useRef<HTMLDialogElement>(null);
  const paused = status?.paused ?? null;

  const pause = () => {
    pauseDialog.current?.close();
    void run(async () => {
      await api.post('/api/console/provisioning/pause', reason.trim() ? { reason: reason.trim() } : {});
      setReason('');
      return 'Provisioning paused.';
    });
  };
  const resume = () =>
    void run(async () => {
      await api.post('/api/console/provisioning/resume', {});
      return 'Provisioning resumed: the next sync round catches up on what changed meanwhile.';
    });
  const restart = () => {
    restartDialog.current?.close();
    void run(async () => {
      const answer = await api.post<RestartAnswer>('/api/console/provisioning/restart', {});
      return answer.fullSync === 'requested'
        ? 'Provisioning restarted: a full sync is starting.'
        : 'Provisioning restarted: the full sync starts when provisioning resumes.';
    });
  };

  return (
    <section class="card" aria-labelledby="provisioning-title">
      <h2 id="provisioning-title">Provisioning</h2>
      {status === null ? (
        <p>Loading…</p>
      ) : paused?.unknown ? (
        <Notice kind="warning">Whether provisioning is paused cannot be read now (Redis did not answer).</Notice>
      ) : paused ? (
        <div id="provisioning-state" data-state="paused">
          <Notice kind="warning">
            Paused{byWhom(paused.by)}: nothing is read from Entra or sent to Salesforce. Changes wait, and nothing is
            lost.
          </Notice>
          <Facts
            rows={[
              ['Since', when(paused.since)],
              ['Reason', paused.reason ?? null],
            ]}
          />
        </div>
      ) : (
        <p id="provisioning-state" data-state="running">
          <strong class="state state-completed">Running</strong>: changes in Entra flow to Salesforce.
        </p>
      )}
      {problem?.unavailable ? (
        <Unavailable what="Pause, resume and restart" why={problem.message} />
      ) : (
        <Notice>{problem?.message}</Notice>
      )}
      <div class="actions">
        {paused && !paused.unknown ? (
          <button type="button" id="resume-provisioning" disabled={!canOperate || busy} onClick={resume}>
            Resume provisioning
          </button>
        ) : (
          <button
            type="button"
            id="pause-provisioning"
            class="secondary"
            disabled={!canOperate || busy || status === null}
            onClick={() => pauseDialog.current?.showModal()}
          >
            Pause provisioning…
          </button>
        )}
        <button
          type="button"
          id="restart-provisioning"
          class="danger"
          disabled={!canOperate || busy}
          onClick={() => restartDialog.current?.showModal()}
        >
          Restart provisioning…
        </button>
      </div>
      {!canOperate && <p class="muted">Needs the app role Provision.Operate.</p>}
      {result && (
        <p role="status" id="provisioning-result">
          {result}
        </p>
      )}
      <dialog ref={pauseDialog} aria-labelledby="pause-title" class="confirm">
        <h2 id="pause-title">Pause provisioning?</h2>
        <p>
          The ingestor stops reading Entra and the writers stop sending to Salesforce. Commands already issued wait in
          Kafka; on resume, provisioning continues where it stopped.
        </p>
        <label for="pause-reason" class="confirm-reason">
          Reason (optional, shown to the other admins)
        </label>
        <textarea
          id="pause-reason"
          rows={2}
          maxLength={500}
          value={reason}
          onInput={(e) => setReason(e.currentTarget.value)}
        />
        <div class="dialog-actions">
          <button type="button" class="secondary" onClick={() => pauseDialog.current?.close()} autofocus>
            Cancel
          </button>
          <button type="button" id="confirm-pause" onClick={pause}>
            Pause
          </button>
        </div>
      </dialog>
      <dialog ref={restartDialog} aria-labelledby="restart-title" class="confirm">
        <h2 id="restart-title">Restart provisioning?</h2>
        <p>
          The ingestor forgets its delta cursors and its snapshot of the app's assignments and reads everything from
          Entra again (a full sync, as the first one). Users no longer in scope are deactivated at its end. The links to
          Salesforce users are kept, and a quarantine is lifted.
        </p>
        <div class="dialog-actions">
          <button type="button" class="secondary" onClick={() => restartDialog.current?.close()} autofocus>
            Cancel
          </button>
          <button type="button" class="danger" id="confirm-restart" onClick={restart}>
            Restart and run a full sync
          </button>
        </div>
      </dialog>
    </section>
  );
}

/** The writers' quarantine: why, until when, and clearing it after a confirmation. */
function QuarantinePanel({ api, canOperate, status, refresh }: ActionProps) {
  const { busy, result, problem, run } = useAction(refresh);
  const dialog = useRef<HTMLDialogElement>(null);
  const q = status?.quarantine ?? null;
  const lastCleared = status?.quarantineLastCleared ?? null;
  const clear = () => {
    dialog.current?.close();
    void run(async () => {
      await api.post('/api/console/quarantine/clear', {});
      return 'Quarantine cleared: each writer probes Salesforce with its next batch.';
    });
  };
  return (
    <section class="card" aria-labelledby="quarantine-title">
      <h2 id="quarantine-title">Writer quarantine</h2>
      {status === null ? (
        <p>Loading…</p>
      ) : q === null ? (
        <p id="quarantine-state">Not quarantined: the writer is sending to Salesforce.</p>
      ) : (
        <div id="quarantine-state">
          <Notice kind="warning">Quarantined: {String(q['reason'] ?? show(q))}</Notice>
          <Facts
            rows={[
              ['Code', show(q['code'])],
              ['Since', when(q['since'] as string | undefined)],
              ['Consecutive failures', show(q['consecutiveFailures'])],
              ['Next retry', when(q['nextAttemptAt'] as string | undefined)],
            ]}
          />
          <button
            type="button"
            id="clear-quarantine"
            class="danger"
            disabled={!canOperate || busy}
            onClick={() => dialog.current?.showModal()}
          >
            Clear the quarantine…
          </button>
          {!canOperate && <p class="muted">Needs the app role Provision.Operate.</p>}
        </div>
      )}
      {problem?.unavailable ? (
        <Unavailable what="Clear the quarantine" why={problem.message} />
      ) : (
        <Notice>{problem?.message}</Notice>
      )}
      {result && (
        <p role="status" id="quarantine-result">
          {result}
        </p>
      )}
      {lastCleared && (
        <p class="muted" id="quarantine-last-cleared">
          Last cleared{byWhom(lastCleared.by)} {when(lastCleared.at)}.
        </p>
      )}
      <dialog ref={dialog} aria-labelledby="clear-title" class="confirm">
        <h2 id="clear-title">Clear the writer quarantine?</h2>
        <p>
          Every writer drops its backoff and probes Salesforce with its next batch. Clear it once the cause is fixed
          (credentials, API access, the org's API allocation): if Salesforce still refuses, the writers quarantine
          again.
        </p>
        <div class="dialog-actions">
          <button type="button" class="secondary" onClick={() => dialog.current?.close()} autofocus>
            Cancel
          </button>
          <button type="button" class="danger" id="confirm-clear" onClick={clear}>
            Clear and probe now
          </button>
        </div>
      </dialog>
    </section>
  );
}

/** The accidental-deletion guard: who is held back, and releasing them after a confirmation. */
function GuardPanel({ api, canOperate }: { api: Api; canOperate: boolean }) {
  const [staged, setStaged] = useState<string[] | null>(null);
  const [problem, setProblem] = useState<ReadProblem | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);

  const load = async () => {
    try {
      setStaged((await api.get<{ staged: string[] }>('/api/console/guard')).staged);
      setProblem(null);
    } catch (e) {
      const message = problemOf(e);
      if (message) setProblem({ message, unavailable: e instanceof ApiError && e.unavailable });
    }
  };
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 10_000);
    return () => clearInterval(timer);
  }, [api]);

  const release = async () => {
    dialog.current?.close();
    setBusy(true);
    try {
      const answer = await api.post<{ released: number }>('/api/console/guard/release', {});
      setResult(`Released ${plural(answer.released, 'deactivation')}.`);
      await load();
    } catch (e) {
      const message = problemOf(e);
      if (message) setProblem({ message, unavailable: false });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="guard-title">
      <h2 id="guard-title">Deactivation guard</h2>
      {problem?.unavailable ? (
        <Unavailable what="The guard" why={problem.message} />
      ) : (
        <>
          <Notice>{problem?.message}</Notice>
          {staged === null ? (
            <p>Loading…</p>
          ) : staged.length === 0 ? (
            <p id="guard-state">No deactivation is held back.</p>
          ) : (
            <>
              <p id="guard-state">
                <strong>{plural(staged.length, 'deactivation')}</strong> held back: more users left scope at once than
                the threshold allows.
              </p>
              <ul class="staged">
                {staged.slice(0, 20).map((id) => {
                  const to = `/users/${encodeURIComponent(id)}`;
                  return (
                    <li key={id}>
                      <a href={to} onClick={linkHandler(to)} class="mono">
                        {id}
                      </a>
                    </li>
                  );
                })}
                {staged.length > 20 && <li>and {staged.length - 20} more</li>}
              </ul>
              <button
                type="button"
                id="release-guard"
                class="danger"
                disabled={!canOperate || busy}
                onClick={() => dialog.current?.showModal()}
              >
                Release {plural(staged.length, 'deactivation')}…
              </button>
              {!canOperate && <p class="muted">Needs the app role Provision.Operate.</p>}
            </>
          )}
          {result && (
            <p role="status" id="guard-result">
              {result}
            </p>
          )}
        </>
      )}
      <dialog ref={dialog} aria-labelledby="confirm-title" class="confirm">
        <h2 id="confirm-title">Deactivate {staged ? plural(staged.length, 'user') : 'the users'} in Salesforce?</h2>
        <p>
          The guard held these deactivations back because so many users left scope at once. Release them only if the
          change in Entra was intended: each user loses Salesforce access.
        </p>
        <div class="dialog-actions">
          <button type="button" class="secondary" onClick={() => dialog.current?.close()} autofocus>
            Cancel
          </button>
          <button type="button" class="danger" id="confirm-release" onClick={() => void release()}>
            Deactivate them
          </button>
        </div>
      </dialog>
    </section>
  );
}

/** The Salesforce API budget and concurrency the writers share (one fleet-wide budget, not one per writer). */
function CapacityPanel({ api }: { api: Api }) {
  const { value: capacity, problem } = usePoll<WriterCapacity>(api, '/api/console/writer-capacity', POLL_MS);
  if (problem?.unavailable) return <Unavailable what="Salesforce API budget" why={problem.message} />;
  const b = capacity?.budget;
  const c = capacity?.concurrency;
  return (
    <div id="writer-capacity">
      <h3>Salesforce API budget</h3>
      <Notice>{problem?.message}</Notice>
      {b && (
        <>
          <label class="progress-label" for="api-budget">
            {b.usedThisWindow.toLocaleString()}
            {b.perMinute === null ? '' : ` of ${b.perMinute.toLocaleString()}`} calls this minute
            {b.windowEndsInMs === null ? '' : ` (the window resets in ${duration(b.windowEndsInMs / 1000)})`}
          </label>
          {b.perMinute !== null && (
            <progress id="api-budget" max={b.perMinute} value={Math.min(b.usedThisWindow, b.perMinute)} />
          )}
          {b.perMinute === null && (
            <p class="muted">
              The limit is the writers' SALESFORCE_API_BUDGET_PER_MINUTE (tell the audit the same value to see it here).
            </p>
          )}
          <Facts
            rows={[
              [
                'Calls in flight',
                // The limit adapts in fractions; the writers take its whole part in slots.
                c
                  ? `${c.inFlight}${c.limit === null ? '' : ` of ${Math.max(1, Math.floor(c.limit))} allowed at once`}`
                  : null,
              ],
              ['Per writer', 'one budget and one concurrency limit shared by every writer replica'],
            ]}
          />
        </>
      )}
    </div>
  );
}

/** How far behind each stage's consumer group is, per topic. */
function LagPanel({ api }: { api: Api }) {
  const { value, problem } = usePoll<{ groups: GroupLag[] }>(api, '/api/console/consumer-lag', POLL_MS);
  const groups = value?.groups ?? null;
  if (problem?.unavailable) return <Unavailable what="Consumer lag per stage" why={problem.message} />;
  return (
    <div id="consumer-lag">
      <h3>Consumer lag per stage</h3>
      <Notice>{problem?.message}</Notice>
      {groups === null ? (
        <p>Loading…</p>
      ) : groups.length === 0 ? (
        <p class="muted">No consumer group has committed anything yet.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Messages each consumer group has not processed yet, per topic</caption>
            <thead>
              <tr>
                <th scope="col">Consumer group</th>
                <th scope="col">Topic</th>
                <th scope="col">Behind</th>
              </tr>
            </thead>
            <tbody>
              {groups.map((g) => (
                <tr key={`${g.group}:${g.topic}`}>
                  <th scope="row">{g.group}</th>
                  <td class="mono">{g.topic}</td>
                  <td>{g.lag.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
