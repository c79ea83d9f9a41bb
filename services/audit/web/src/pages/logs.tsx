import { useEffect, useMemo, useState } from 'preact/hooks';
import { type Api, problemOf } from '../api.ts';
import { Notice, StatusBadge } from '../components/common.tsx';
import { LogDetail } from '../components/log-detail.tsx';
import { cycleLabel, plural, when } from '../format.ts';
import { navigate } from '../router.ts';
import type { LogEntry, LogPage } from '../types.ts';

/**
 * The filters a link can carry: `/logs?user=ada@contoso.com&status=failure`; `changeId` (a mapping
 * change's commands, linked from the Mapping page) has no field of its own.
 */
const FILTERS = ['from', 'to', 'status', 'action', 'user', 'errorCode', 'cycle', 'changeId'] as const;
type Filter = (typeof FILTERS)[number];
type Filters = Partial<Record<Filter, string>>;

const STATUSES = ['success', 'failure', 'skipped', 'warning', 'pending'];
const ACTIONS = ['create', 'update', 'disable', 'reactivate', 'skip'];
const PAGE = 50;

function filtersOf(query: URLSearchParams): Filters {
  const f: Filters = {};
  for (const k of FILTERS) {
    const v = query.get(k)?.trim();
    if (v) f[k] = v;
  }
  return f;
}

/** The audit API's query for the filters (user: an Entra object id or a userPrincipalName). */
export function apiQuery(f: Filters): URLSearchParams {
  const q = new URLSearchParams();
  if (f.from) q.set('from', toIso(f.from));
  if (f.to) q.set('to', toIso(f.to));
  if (f.status) q.set('status', f.status);
  if (f.action) q.set('action', f.action);
  if (f.user) q.set('userId', f.user);
  if (f.errorCode) q.set('errorCode', f.errorCode);
  if (f.cycle) q.set('cycleId', f.cycle);
  if (f.changeId) q.set('changeId', f.changeId);
  return q;
}

// `datetime-local` gives local time without a zone: the browser's zone is the admin's.
const toIso = (local: string) => (/^\d{4}-\d{2}-\d{2}T/.test(local) ? new Date(local).toISOString() : local);

/** The provisioning log: filters, the entries, a detail pane, and exports of what is filtered. */
export function LogsPage({ api, query }: { api: Api; query: URLSearchParams }) {
  const filters = useMemo(() => filtersOf(query), [query]);
  const selectedId = query.get('entry');
  const [draft, setDraft] = useState<Filters>(filters);
  const [items, setItems] = useState<LogEntry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [problem, setProblem] = useState<string | null>(null);
  const key = apiQuery(filters).toString();

  useEffect(() => setDraft(filters), [filters]);
  useEffect(() => {
    let live = true;
    setLoading(true);
    setProblem(null);
    api
      .get<LogPage>(`/api/provisioning-logs?${key}${key ? '&' : ''}limit=${PAGE}`)
      .then((page) => {
        if (!live) return;
        setItems(page.items);
        setNext(page.nextCursor);
      })
      .catch((e) => live && setProblem(problemOf(e)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [api, key]);

  const more = async () => {
    if (!next) return;
    try {
      const page = await api.get<LogPage>(`/api/provisioning-logs?${key}${key ? '&' : ''}limit=${PAGE}&cursor=${next}`);
      setItems((old) => [...old, ...page.items]);
      setNext(page.nextCursor);
    } catch (e) {
      setProblem(problemOf(e));
    }
  };
  const apply = (f: Filters, entry?: string | null) => {
    const q = new URLSearchParams();
    for (const k of FILTERS) if (f[k]) q.set(k, f[k] as string);
    if (entry) q.set('entry', entry);
    const s = q.toString();
    navigate(`/logs${s ? `?${s}` : ''}`);
  };
  const exportAs = async (format: 'csv' | 'ndjson') => {
    try {
      const q = apiQuery(filters);
      q.set('format', format);
      await api.download(`/api/provisioning-logs?${q}`, `provisioning-log.${format === 'csv' ? 'csv' : 'ndjson'}`);
    } catch (e) {
      setProblem(problemOf(e));
    }
  };
  // A deep link to an entry that is not on the first page: read it alone.
  const [linked, setLinked] = useState<LogEntry | null>(null);
  useEffect(() => {
    if (!selectedId || loading || items.some((e) => e.commandId === selectedId)) return;
    let live = true;
    api
      .get<LogEntry>(`/api/provisioning-logs/${encodeURIComponent(selectedId)}`)
      .then((e) => live && setLinked(e))
      .catch((e) => live && setProblem(problemOf(e)));
    return () => {
      live = false;
    };
  }, [api, selectedId, loading, items]);
  const selected = items.find((e) => e.commandId === selectedId) ?? (linked?.commandId === selectedId ? linked : null);
  const set = (k: Filter) => (e: Event) => setDraft({ ...draft, [k]: (e.currentTarget as HTMLInputElement).value });

  return (
    <div class={`logs ${selected ? 'with-detail' : ''}`}>
      <h1>Provisioning logs</h1>
      <form
        class="filters"
        aria-label="Filter the provisioning log"
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft);
        }}
      >
        <label>
          From
          <input type="datetime-local" name="from" value={draft.from ?? ''} onInput={set('from')} />
        </label>
        <label>
          To
          <input type="datetime-local" name="to" value={draft.to ?? ''} onInput={set('to')} />
        </label>
        <label>
          Status
          <select name="status" value={draft.status ?? ''} onChange={set('status')}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Action
          <select name="action" value={draft.action ?? ''} onChange={set('action')}>
            <option value="">Any</option>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label>
          User (UPN or object id)
          <input type="search" name="user" value={draft.user ?? ''} onInput={set('user')} autocomplete="off" />
        </label>
        <label>
          Error code
          <input type="search" name="errorCode" value={draft.errorCode ?? ''} onInput={set('errorCode')} />
        </label>
        <label>
          Cycle
          <input type="search" name="cycle" value={draft.cycle ?? ''} onInput={set('cycle')} />
        </label>
        <div class="filter-actions">
          <button type="submit">Apply filters</button>
          <button type="button" class="secondary" onClick={() => apply({})}>
            Clear
          </button>
        </div>
      </form>
      <div class="toolbar">
        <span aria-live="polite" id="log-count">
          {loading ? 'Loading…' : `${plural(items.length, 'entry', 'entries')}${next ? ' shown (more below)' : ''}`}
        </span>
        <span class="toolbar-actions">
          <button type="button" class="secondary" onClick={() => void exportAs('csv')}>
            Export CSV
          </button>
          <button type="button" class="secondary" onClick={() => void exportAs('ndjson')}>
            Export JSON
          </button>
        </span>
      </div>
      <Notice>{problem}</Notice>
      <div class="logs-body">
        <div class="table-wrap">
          <table class="log-table">
            <caption class="sr-only">Provisioning log entries, newest first; choose one to see its details</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">User</th>
                <th scope="col">Action</th>
                <th scope="col">Status</th>
                <th scope="col">Error code</th>
                <th scope="col" class="wide-only">
                  Cycle
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr
                  key={e.commandId}
                  class={e.commandId === selectedId ? 'selected' : ''}
                  aria-selected={e.commandId === selectedId}
                >
                  <td class="when-cell">
                    <button
                      type="button"
                      class="link"
                      aria-label={`Details of ${e.action} ${e.sourceIdentity.userPrincipalName ?? e.sourceIdentity.id} at ${when(e.activityDateTime)}`}
                      onClick={() => apply(filters, e.commandId)}
                    >
                      {when(e.activityDateTime)}
                    </button>
                  </td>
                  <td class="user-cell">
                    <Breakable text={e.sourceIdentity.userPrincipalName ?? e.sourceIdentity.id} />
                  </td>
                  <td>{e.action}</td>
                  <td>
                    <StatusBadge status={e.status} />
                  </td>
                  <td>{e.errorInfo?.errorCode ?? ''}</td>
                  <td class="wide-only" title={e.cycleId ?? ''}>
                    {cycleLabel(e.cycleId)}
                  </td>
                </tr>
              ))}
              {!loading && items.length === 0 && (
                <tr>
                  <td colSpan={6}>No entry matches these filters.</td>
                </tr>
              )}
            </tbody>
          </table>
          {next && (
            <button type="button" class="secondary more" onClick={() => void more()}>
              Load more
            </button>
          )}
        </div>
        {selected && <LogDetail api={api} entry={selected} onClose={() => apply(filters, null)} />}
      </div>
    </div>
  );
}

/** A UPN that may wrap before its `@` rather than anywhere. */
function Breakable({ text }: { text: string }) {
  const at = text.indexOf('@');
  if (at <= 0) return <>{text}</>;
  return (
    <>
      {text.slice(0, at)}
      <wbr />
      {text.slice(at)}
    </>
  );
}
