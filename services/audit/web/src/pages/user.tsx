import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type Api, ApiError, problemOf } from '../api.ts';
import { Facts, Notice, StatusBadge, Steps, Unavailable } from '../components/common.tsx';
import { LogDetail } from '../components/log-detail.tsx';
import { SalesforceRecordPanel } from '../components/salesforce-record.tsx';
import { plural, show, when } from '../format.ts';
import { linkHandler } from '../router.ts';
import type { EntraPicture, LogEntry, LogPage, SalesforceRecord } from '../types.ts';

// Attributes an admin looks for first; the rest follow in name order.
const FIRST = [
  'displayName',
  'userPrincipalName',
  'mail',
  'givenName',
  'surname',
  'accountEnabled',
  'department',
  'jobTitle',
];

interface OnDemand {
  phase: 'requesting' | 'waiting' | 'done' | 'timed-out' | 'failed';
  /** The mapper found nothing to change: no command, so no new log entry. */
  unchanged?: boolean;
  published?: Record<string, number>;
  entry?: LogEntry;
  problem?: string;
}

/**
 * One user: their whole history, their Entra picture and decision beside their live Salesforce
 * record (fields that differ from what the mapping implies marked), and provision now.
 */
export function UserPage({ api, userId, canOperate }: { api: Api; userId: string; canOperate: boolean }) {
  const [history, setHistory] = useState<LogEntry[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [entra, setEntra] = useState<EntraPicture | null>(null);
  const [entraProblem, setEntraProblem] = useState<{ message: string; unavailable: boolean } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [onDemand, setOnDemand] = useState<OnDemand | null>(null);
  const [salesforce, setSalesforce] = useState<SalesforceRecord | null>(null);
  const [salesforceProblem, setSalesforceProblem] = useState<{
    message: string;
    unavailable: boolean;
    notFound: boolean;
  } | null>(null);
  const cancelled = useRef(false);

  const loadHistory = useCallback(async () => {
    const page = await api.get<LogPage>(`/api/provisioning-logs?userId=${encodeURIComponent(userId)}&limit=100`);
    setHistory(page.items);
    setNext(page.nextCursor);
    return page.items;
  }, [api, userId]);
  // The live record, read by the writer; the matching value is the mapper's, as the writer would use it.
  const loadSalesforce = useCallback(
    async (picture: EntraPicture | null) => {
      const key = picture?.decision.matchingKey;
      const query = key
        ? `?matchAttribute=${encodeURIComponent(key.attribute)}&matchValue=${encodeURIComponent(key.value)}`
        : '';
      try {
        setSalesforce(
          await api.get<SalesforceRecord>(`/api/console/users/${encodeURIComponent(userId)}/salesforce${query}`),
        );
        setSalesforceProblem(null);
      } catch (e) {
        const message = problemOf(e);
        if (message) {
          setSalesforce(null);
          setSalesforceProblem({
            message,
            unavailable: e instanceof ApiError && e.unavailable,
            notFound: e instanceof ApiError && e.status === 404,
          });
        }
      }
    },
    [api, userId],
  );
  const loadEntra = useCallback(async () => {
    let picture: EntraPicture | null = null;
    try {
      picture = await api.get<EntraPicture>(`/api/console/users/${encodeURIComponent(userId)}/entra`);
      setEntra(picture);
      setEntraProblem(null);
    } catch (e) {
      const message = problemOf(e);
      if (message) setEntraProblem({ message, unavailable: e instanceof ApiError && e.unavailable });
    }
    await loadSalesforce(picture);
  }, [api, userId, loadSalesforce]);

  useEffect(() => {
    cancelled.current = false;
    setHistory(null);
    setEntra(null);
    setSalesforce(null);
    setSalesforceProblem(null);
    setOnDemand(null);
    loadHistory().catch((e) => setProblem(problemOf(e)));
    void loadEntra();
    return () => {
      cancelled.current = true;
    };
  }, [loadHistory, loadEntra]);

  const more = async () => {
    if (!next) return;
    try {
      const page = await api.get<LogPage>(
        `/api/provisioning-logs?userId=${encodeURIComponent(userId)}&limit=100&cursor=${next}`,
      );
      setHistory((old) => [...(old ?? []), ...page.items]);
      setNext(page.nextCursor);
    } catch (e) {
      setProblem(problemOf(e));
    }
  };

  // Provision on demand, as the CLI's provision-user does it: ask the ingestor, then follow the
  // user's new log entries until the one for this request has its result.
  const provisionNow = async () => {
    const before = new Set((history ?? []).map((e) => e.commandId));
    setOnDemand({ phase: 'requesting' });
    let published: Record<string, number>;
    try {
      const answer = await api.post<{ published?: Record<string, number> }>('/api/console/provision-on-demand', {
        userId,
      });
      published = answer.published ?? {};
    } catch (e) {
      setOnDemand({ phase: 'failed', problem: problemOf(e) ?? 'signed out' });
      return;
    }
    setOnDemand({ phase: 'waiting', published });
    const publishedAt = Date.now();
    const deadline = publishedAt + 60_000;
    while (!cancelled.current) {
      await new Promise((r) => setTimeout(r, 700));
      let items: LogEntry[];
      try {
        items = await loadHistory();
      } catch (e) {
        setOnDemand({ phase: 'failed', published, problem: problemOf(e) ?? 'signed out' });
        return;
      }
      const fresh = items.filter((e) => !before.has(e.commandId));
      const entry = fresh.find((e) => e.origin === 'on-demand') ?? fresh[0];
      const finished = entry !== undefined && entry.status !== 'pending';
      setOnDemand({ phase: finished ? 'done' : 'waiting', published, ...(entry ? { entry } : {}) });
      if (finished) {
        void loadEntra();
        return;
      }
      // No entry after a while: the mapper may have found nothing to change (it sends no command
      // then). Its decision on the picture the on-demand facts refreshed says so.
      if (entry === undefined && Date.now() - publishedAt > 5_000) {
        const now = await api
          .get<EntraPicture>(`/api/console/users/${encodeURIComponent(userId)}/entra`)
          .catch(() => null);
        if (now && !now.decision.wouldEmit) {
          setEntra(now);
          setOnDemand({ phase: 'done', published, unchanged: true });
          return;
        }
      }
      if (Date.now() > deadline) {
        setOnDemand({ phase: 'timed-out', published, ...(entry ? { entry } : {}) });
        return;
      }
    }
  };

  const latest = history?.[0];
  const upn =
    (entra?.picture.attributes['userPrincipalName'] as string | undefined) ??
    history?.find((e) => e.sourceIdentity.userPrincipalName)?.sourceIdentity.userPrincipalName ??
    null;
  const linked = history?.find((e) => e.targetIdentity.id);
  const logLink = `/logs?user=${encodeURIComponent(userId)}`;

  return (
    <div class="user-page">
      <h1>
        {upn ?? 'User'} <span class="muted mono small">{userId}</span>
      </h1>
      <p>
        <a href={logLink} onClick={linkHandler(logLink)}>
          Filter the log by this user
        </a>
      </p>
      <Notice>{problem}</Notice>
      <section class="card" aria-labelledby="on-demand-title">
        <h2 id="on-demand-title">Provision on demand</h2>
        <p class="muted">
          Reads the user from Entra now and takes them through scoping, matching and the Salesforce write, as Entra's
          "Provision on demand" does.
        </p>
        <button
          type="button"
          id="provision-now"
          disabled={!canOperate || onDemand?.phase === 'requesting' || onDemand?.phase === 'waiting'}
          onClick={() => void provisionNow()}
        >
          Provision now
        </button>
        {!canOperate && <p class="muted">Needs the app role Provision.Operate.</p>}
        {onDemand && <OnDemandProgress state={onDemand} />}
      </section>
      <div class="two-columns">
        <section class="card" aria-labelledby="entra-title">
          <h2 id="entra-title">In Entra ID</h2>
          {entraProblem ? (
            entraProblem.unavailable ? (
              <Unavailable what="The user's Entra picture" why={entraProblem.message} />
            ) : (
              <Notice>{entraProblem.message}</Notice>
            )
          ) : entra === null ? (
            <p>Loading…</p>
          ) : (
            <EntraPanel entra={entra} />
          )}
        </section>
        <section class="card" aria-labelledby="salesforce-title">
          <h2 id="salesforce-title">In Salesforce</h2>
          <Facts
            rows={[
              ['Salesforce user id', linked?.targetIdentity.id ? <code>{linked.targetIdentity.id}</code> : null],
              ['Linked by', linked?.targetIdentity.linkedBy],
              ['Last action', latest ? `${latest.action} (${latest.status}) ${when(latest.activityDateTime)}` : null],
            ]}
          />
          <h3>Live record</h3>
          {salesforceProblem ? (
            salesforceProblem.unavailable ? (
              <Unavailable what="Live Salesforce record" why={salesforceProblem.message} />
            ) : (
              <Notice kind={salesforceProblem.notFound ? 'info' : 'error'}>{salesforceProblem.message}</Notice>
            )
          ) : salesforce === null ? (
            <p>Loading…</p>
          ) : (
            <SalesforceRecordPanel record={salesforce} entra={entra} />
          )}
          {entra?.picture.commanded ? (
            <details>
              <summary>Fields as Provision last wrote them</summary>
              <FieldTable fields={entra.picture.commanded} />
            </details>
          ) : (
            <p class="muted">Provision has written nothing for this user yet.</p>
          )}
        </section>
      </div>
      <section class="card" aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        {history === null ? (
          <p>Loading…</p>
        ) : history.length === 0 ? (
          <p>No log entry for this user.</p>
        ) : (
          <>
            <p class="muted">{plural(history.length, 'entry', 'entries')}, newest first.</p>
            <ol class="history">
              {history.map((e) => (
                <li key={e.commandId}>
                  <button
                    type="button"
                    class="history-item"
                    aria-expanded={open === e.commandId}
                    onClick={() => setOpen(open === e.commandId ? null : e.commandId)}
                  >
                    <span>{when(e.activityDateTime)}</span> <strong>{e.action}</strong>{' '}
                    <StatusBadge status={e.status} /> {e.errorInfo && <code>{e.errorInfo.errorCode}</code>}{' '}
                    <span class="muted">{e.origin === 'on-demand' ? 'on demand' : ''}</span>
                  </button>
                  {open === e.commandId && <LogDetail api={api} entry={e} />}
                </li>
              ))}
            </ol>
            {next && (
              <button type="button" class="secondary" onClick={() => void more()}>
                Load older entries
              </button>
            )}
          </>
        )}
      </section>
    </div>
  );
}

function OnDemandProgress({ state }: { state: OnDemand }) {
  const published = state.published
    ? Object.entries(state.published)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ') || 'nothing'
    : null;
  return (
    <div class="on-demand" aria-live="polite" id="on-demand-progress" data-phase={state.phase}>
      <ol class="steps">
        <li
          class={`step step-${state.phase === 'requesting' ? 'pending' : state.phase === 'failed' && !published ? 'failure' : 'success'}`}
        >
          <span class="step-head">
            <span class="step-type">request</span>{' '}
            <StatusBadge
              status={
                state.phase === 'requesting'
                  ? 'pending'
                  : state.phase === 'failed' && !published
                    ? 'failure'
                    : 'success'
              }
            />
          </span>
          <span class="step-text">
            {published ? `The ingestor read the user from Entra and published ${published}.` : 'Asking the ingestor…'}
          </span>
        </li>
      </ol>
      {state.entry ? (
        <Steps steps={state.entry.provisioningSteps} />
      ) : (
        state.phase === 'waiting' && <p>Waiting for the mapper's decision…</p>
      )}
      {state.phase === 'done' && state.unchanged && (
        <p>
          Done: <strong>nothing to change</strong> — Salesforce already has what Entra says, so the mapper sent no
          command.
        </p>
      )}
      {state.phase === 'done' && state.entry && (
        <p>
          Done: <strong>{state.entry.action}</strong> <StatusBadge status={state.entry.status} />
        </p>
      )}
      {state.phase === 'timed-out' && (
        <Notice kind="warning">
          No result within 60 seconds; the entry will appear in the history when it arrives.
        </Notice>
      )}
      {state.problem && <Notice>{state.problem}</Notice>}
    </div>
  );
}

function EntraPanel({ entra }: { entra: EntraPicture }) {
  const { picture, decision } = entra;
  const names = Object.keys(picture.attributes).sort((a, b) => {
    const [ia, ib] = [FIRST.indexOf(a), FIRST.indexOf(b)];
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  return (
    <>
      <div class={`scope ${decision.inScope ? 'in-scope' : 'out-of-scope'}`}>
        <strong>{decision.inScope ? 'In scope' : 'Out of scope'}</strong> — the mapper would{' '}
        <strong>{decision.action}</strong>
        {decision.wouldEmit ? '' : ' (nothing to send: Salesforce already matches)'}
        {decision.reasons.length > 0 && (
          <ul>
            {decision.reasons.map((r) => (
              <li key={r.code}>
                {r.message} <span class="muted">({r.code})</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      {picture.removal && <Notice kind="warning">Deleted in Entra ({picture.removal}).</Notice>}
      <h3>Assignments</h3>
      {picture.assignments.length === 0 ? (
        <p>Not assigned to the Salesforce app.</p>
      ) : (
        <ul>
          {picture.assignments.map((a) => (
            <li key={`${a.principalId}:${a.appRoleId}`}>
              Role <strong>{a.roleValue ?? 'Default Access'}</strong>{' '}
              {a.principalType === 'Group' ? `through group ${a.principalDisplayName ?? a.principalId}` : 'directly'}
            </li>
          ))}
        </ul>
      )}
      <p class="muted">
        Member of {plural(Object.keys(picture.groups).length, 'group')}
        {decision.matchingKey
          ? `; matched in Salesforce by ${decision.matchingKey.attribute} = ${decision.matchingKey.value}`
          : ''}
        .
      </p>
      <details>
        <summary>Attributes ({names.length})</summary>
        <FieldTable fields={picture.attributes} order={names} />
      </details>
    </>
  );
}

function FieldTable({ fields, order }: { fields: Record<string, unknown>; order?: string[] }) {
  const names = order ?? Object.keys(fields).sort();
  return (
    <div class="table-wrap">
      <table class="fields">
        <tbody>
          {names.map((n) => (
            <tr key={n}>
              <th scope="row">{n}</th>
              <td>{show(fields[n])}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
