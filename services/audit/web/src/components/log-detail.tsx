import { useEffect, useState } from 'preact/hooks';
import { type Api, problemOf } from '../api.ts';
import { plain, show, when } from '../format.ts';
import { linkHandler } from '../router.ts';
import type { LogEntry } from '../types.ts';
import { Facts, Notice, StatusBadge, Steps } from './common.tsx';

/** One entry as Entra's detail blade shows it, better: steps, modified properties old → new, the error and its fix. */
export function LogDetail({ api, entry, onClose }: { api: Api; entry: LogEntry; onClose?: () => void }) {
  const [full, setFull] = useState<LogEntry>(entry);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    setFull(entry);
    let live = true;
    api
      .get<LogEntry>(`/api/provisioning-logs/${encodeURIComponent(entry.commandId)}`)
      .then((e) => live && setFull(e))
      .catch((e) => live && setProblem(problemOf(e)));
    return () => {
      live = false;
    };
  }, [api, entry]);
  const user = full.sourceIdentity.userPrincipalName ?? full.sourceIdentity.id;
  const userLink = `/users/${encodeURIComponent(full.sourceIdentity.id)}`;
  return (
    <section class="detail" aria-labelledby="detail-title">
      <header class="detail-head">
        <h2 id="detail-title">
          {full.action} {user} <StatusBadge status={full.status} />
        </h2>
        {onClose && (
          <button type="button" class="secondary" onClick={onClose}>
            Close details
          </button>
        )}
      </header>
      <Notice>{problem}</Notice>
      <p>
        <a href={userLink} onClick={linkHandler(userLink)}>
          Open {user}'s page
        </a>
      </p>
      {full.errorInfo && (
        <div class="error-info">
          <h3>
            Error <code>{full.errorInfo.errorCode}</code>
            {full.errorInfo.retriable ? ' (retried automatically)' : ''}
          </h3>
          <p>{plain(full.errorInfo.reason)}</p>
          {full.errorInfo.recommendedAction && (
            <p>
              <strong>What to do:</strong> {full.errorInfo.recommendedAction}
            </p>
          )}
          {full.errorInfo.fields.length > 0 && <p>Fields: {full.errorInfo.fields.join(', ')}</p>}
        </div>
      )}
      <h3>Steps</h3>
      <Steps steps={full.provisioningSteps} />
      <h3>Modified properties</h3>
      {full.modifiedProperties.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <div class="table-wrap">
          <table class="modified">
            <caption class="sr-only">Modified properties, old value and new value</caption>
            <thead>
              <tr>
                <th scope="col">Property</th>
                <th scope="col">Old value</th>
                <th scope="col">New value</th>
              </tr>
            </thead>
            <tbody>
              {full.modifiedProperties.map((p) => (
                <tr key={p.displayName}>
                  <th scope="row">{p.displayName}</th>
                  <td class="old">{show(p.oldValue)}</td>
                  <td class="new">{show(p.newValue)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>Summary</h3>
      <Facts
        rows={[
          ['When', when(full.activityDateTime)],
          ['Entra user id', <code key="id">{full.sourceIdentity.id}</code>],
          [
            'Salesforce user',
            full.targetIdentity.id ? `${full.targetIdentity.id} (${full.targetIdentity.linkedBy ?? '—'})` : '—',
          ],
          ['Reasons', full.reasons.map((r) => r.message).join('; ')],
          ['Origin', full.origin === 'on-demand' ? 'provision on demand' : full.origin],
          ['Initiated by', full.initiatedBy?.name],
          ['Cycle', full.cycleId],
          ['Change id', full.changeId],
          ['Command id', full.commandId],
          ['Attempt', full.attempt],
          ['Duration', full.durationInMilliseconds === null ? null : `${full.durationInMilliseconds} ms`],
          ['Dry run', full.dryRun ? 'yes: nothing was written' : 'no'],
        ]}
      />
    </section>
  );
}
