import { useEffect, useState } from 'preact/hooks';
import { type Api, ApiError, problemOf } from '../api.ts';
import { Notice, Unavailable } from '../components/common.tsx';
import { plural, show, when } from '../format.ts';
import { linkHandler } from '../router.ts';
import type { ExpressionAnswer, MappingChange, MappingConfig, MappingPreview } from '../types.ts';

const SAMPLE_ATTRIBUTES = JSON.stringify(
  { userPrincipalName: 'ada.lovelace@contoso.com', givenName: 'Ada', surname: 'Lovelace', mail: 'ada@contoso.com' },
  null,
  2,
);

/** The effective mapping, readable, and the expression tester. */
export function MappingPage({ api }: { api: Api }) {
  const [mapping, setMapping] = useState<MappingConfig | null>(null);
  const [applied, setApplied] = useState<{ fingerprint: string | null; lastChange: MappingChange | null } | null>(null);
  const [problem, setProblem] = useState<{ message: string; unavailable: boolean } | null>(null);
  const [expression, setExpression] = useState('Join(" ", [givenName], [surname])');
  useEffect(() => {
    api
      .get<{ mapping: MappingConfig; fingerprint?: string | null; lastChange?: MappingChange | null }>(
        '/api/console/mapping',
      )
      .then((a) => {
        setMapping(a.mapping);
        setApplied({ fingerprint: a.fingerprint ?? null, lastChange: a.lastChange ?? null });
      })
      .catch((e) => {
        const message = problemOf(e);
        if (message) setProblem({ message, unavailable: e instanceof ApiError && e.unavailable });
      });
  }, [api]);

  return (
    <div class="mapping">
      <h1>Mapping</h1>
      <section class="card" aria-labelledby="effective-title">
        <h2 id="effective-title">Effective mapping</h2>
        {problem?.unavailable ? (
          <Unavailable what="The effective mapping" why={problem.message} />
        ) : (
          <Notice>{problem?.message}</Notice>
        )}
        {mapping && <MappingView mapping={mapping} onTry={setExpression} />}
      </section>
      {applied && <LastChange fingerprint={applied.fingerprint} change={applied.lastChange} />}
      <ExpressionTester api={api} expression={expression} setExpression={setExpression} />
      {problem?.unavailable ? (
        <section class="card">
          <h2>Preview a mapping change</h2>
          <Unavailable what="Dry run of a changed mapping" why={problem.message} />
        </section>
      ) : (
        mapping && <PreviewPanel api={api} mapping={mapping} />
      )}
    </div>
  );
}

/** The mapping this mapper runs (its fingerprint) and the last change the mappers applied. */
function LastChange({ fingerprint, change }: { fingerprint: string | null; change: MappingChange | null }) {
  const total = (key: 'reevaluated') => change?.partitions.reduce((n, p) => n + p[key], 0) ?? 0;
  const commands: Record<string, number> = {};
  for (const p of change?.partitions ?? [])
    for (const [action, n] of Object.entries(p.commands)) commands[action] = (commands[action] ?? 0) + n;
  const logLink = change ? `/logs?changeId=${encodeURIComponent(change.changeId)}` : '';
  return (
    <section class="card" aria-labelledby="last-change-title" id="last-mapping-change">
      <h2 id="last-change-title">Last mapping change</h2>
      <p class="muted">
        When a mapper starts with a mapping other than the one its partitions' users were decided with, it decides every
        user again and sends the resulting commands (docs/operations.md, "Changing the mapping").
        {fingerprint && (
          <>
            {' '}
            This mapper runs mapping <code>{fingerprint}</code>.
          </>
        )}
      </p>
      {change === null ? (
        <p>No mapping change recorded since Provision started keeping them.</p>
      ) : (
        <>
          <dl class="facts">
            <div>
              <dt>When</dt>
              <dd>{when(change.startedAt)}</dd>
            </div>
            <div>
              <dt>Mapping</dt>
              <dd>
                <code>{change.previous}</code> → <code>{change.fingerprint}</code>
              </dd>
            </div>
            <div>
              <dt>What changed</dt>
              <dd>{change.summary}</dd>
            </div>
            <div>
              <dt>Users re-evaluated</dt>
              <dd>
                {total('reevaluated').toLocaleString()} in {plural(change.partitions.length, 'partition')}
              </dd>
            </div>
            <div>
              <dt>Commands</dt>
              <dd>
                {Object.entries(commands)
                  .map(([action, n]) => `${n.toLocaleString()} ${action}`)
                  .join(', ') || 'none (nothing to change)'}
              </dd>
            </div>
          </dl>
          <p>
            <a href={logLink} onClick={linkHandler(logLink)}>
              The provisioning log of this change
            </a>{' '}
            <span class="muted">
              (change id <code>{change.changeId}</code>: each user's command with its old → new)
            </span>
          </p>
        </>
      )}
    </section>
  );
}

function MappingView({ mapping, onTry }: { mapping: MappingConfig; onTry: (e: string) => void }) {
  const matching = mapping.mappings
    .filter((m) => m.matchingPrecedence !== undefined)
    .sort((a, b) => (a.matchingPrecedence ?? 0) - (b.matchingPrecedence ?? 0));
  return (
    <>
      <ul class="summary-list">
        <li>
          Scope:{' '}
          <strong>{mapping.scope === 'allUsers' ? 'all users and groups' : 'assigned users and groups only'}</strong>
        </li>
        <li>
          Scoping filters:{' '}
          {mapping.scopingFilters.length === 0 ? (
            <strong>none</strong>
          ) : (
            mapping.scopingFilters.map((f, i) => (
              <span key={f.name ?? i} class="filter">
                {i > 0 ? ' or ' : ''}
                {f.clauses
                  .map((c) => `${c.attribute} ${c.operator}${c.value === undefined ? '' : ` "${c.value}"`}`)
                  .join(' and ')}
              </span>
            ))
          )}
        </li>
        <li>
          Leaving scope: <strong>{leaving(mapping.deprovisioning)}</strong>
        </li>
        <li>
          Two app roles: <strong>{twoRoles(mapping.multipleRoles)}</strong>
        </li>
        {mapping.usernameCollision ? (
          <li>
            Username held by another org: created with <strong>{mapping.usernameCollision.suffix}</strong> appended
          </li>
        ) : null}
        <li>
          Matching:{' '}
          {matching.map((m, i) => `${i + 1}. ${m.target} ← ${m.source ?? m.expression ?? m.constant}`).join('; ') ||
            'none'}
        </li>
      </ul>
      <div class="table-wrap">
        <table class="mapping-table">
          <caption class="sr-only">
            Attribute mappings: Salesforce field, where its value comes from, and when it is written
          </caption>
          <thead>
            <tr>
              <th scope="col">Salesforce field</th>
              <th scope="col">From Entra</th>
              <th scope="col">Default</th>
              <th scope="col">Applied</th>
            </tr>
          </thead>
          <tbody>
            {mapping.mappings.map((m) => (
              <tr key={m.target}>
                <th scope="row">
                  {m.target}
                  {m.matchingPrecedence !== undefined && <span class="tag">match #{m.matchingPrecedence}</span>}
                </th>
                <td>
                  {m.expression !== undefined ? (
                    <>
                      <code class="expression">{m.expression}</code>{' '}
                      <button
                        type="button"
                        class="link small"
                        onClick={() => {
                          onTry(m.expression ?? '');
                          document.getElementById('expression')?.focus();
                        }}
                      >
                        Try it<span class="sr-only"> ({m.target})</span>
                      </button>
                    </>
                  ) : m.source !== undefined ? (
                    <code>[{m.source}]</code>
                  ) : m.constant !== undefined ? (
                    <>constant "{show(m.constant)}"</>
                  ) : (
                    <span class="muted">nothing: the default, on create</span>
                  )}
                </td>
                <td>{m.default === undefined ? '' : show(m.default)}</td>
                <td>{m.apply === 'onCreate' ? 'on create only' : 'always'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {(mapping.roleRules.length > 0 || mapping.permissionSetRules.length > 0) && (
        <>
          <h3>Roles and permission sets from groups</h3>
          <ul>
            {mapping.roleRules.map((r) => (
              <li key={`role:${r.group}`}>
                Members of group <code>{r.group}</code> get role <strong>{r.role}</strong>
              </li>
            ))}
            {mapping.permissionSetRules.map((r) => (
              <li key={`ps:${r.group}`}>
                Members of group <code>{r.group}</code> get {r.permissionSets.join(', ')}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

function ExpressionTester({
  api,
  expression,
  setExpression,
}: {
  api: Api;
  expression: string;
  setExpression: (e: string) => void;
}) {
  const [attributes, setAttributes] = useState(SAMPLE_ATTRIBUTES);
  const [answer, setAnswer] = useState<ExpressionAnswer | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const run = async () => {
    setProblem(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(attributes);
    } catch (e) {
      setAnswer(null);
      setProblem(`The attributes are not valid JSON: ${(e as Error).message}`);
      return;
    }
    try {
      setAnswer(await api.post<ExpressionAnswer>('/api/console/expression', { expression, attributes: parsed }));
    } catch (e) {
      setAnswer(null);
      setProblem(problemOf(e));
    }
  };
  return (
    <section class="card" aria-labelledby="tester-title">
      <h2 id="tester-title">Expression tester</h2>
      <form
        class="tester"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <label for="expression">Expression</label>
        <textarea
          id="expression"
          rows={3}
          spellcheck={false}
          value={expression}
          onInput={(e) => setExpression(e.currentTarget.value)}
        />
        <label for="attributes">Source attributes (JSON)</label>
        <textarea
          id="attributes"
          rows={6}
          spellcheck={false}
          value={attributes}
          onInput={(e) => setAttributes(e.currentTarget.value)}
        />
        <div>
          <button type="submit">Evaluate</button>
        </div>
      </form>
      <Notice>{problem}</Notice>
      <div aria-live="polite" id="expression-result">
        {answer &&
          (answer.ok ? (
            <p>
              Result:{' '}
              {answer.ignored ? (
                <em>ignored (IgnoreFlowIfNullOrEmpty: the attribute is not written)</em>
              ) : (
                <code class="result">{JSON.stringify(answer.result)}</code>
              )}
            </p>
          ) : (
            <Notice>
              {answer.stage === 'syntax' ? 'Syntax error' : 'Evaluation failed'}: {answer.message}
              {answer.column !== null && (
                <pre class="caret">
                  {expression}
                  {'\n'}
                  {`${' '.repeat(Math.max(0, answer.column - 1))}^`}
                </pre>
              )}
            </Notice>
          ))}
        {answer && answer.attributes.length > 0 && (
          <p class="muted">Reads: {answer.attributes.map((a) => `[${a}]`).join(', ')}</p>
        )}
      </div>
    </section>
  );
}

/** A dry run of a changed mapping over users the mapper holds: who would change, and how. */
function PreviewPanel({ api, mapping }: { api: Api; mapping: MappingConfig }) {
  const [text, setText] = useState(() => JSON.stringify(mapping, null, 2));
  const [sample, setSample] = useState('50');
  const [answer, setAnswer] = useState<MappingPreview | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setProblem(null);
    try {
      setAnswer(
        await api.post<MappingPreview>('/api/console/mapping/preview', { mapping: text, sample: Number(sample) }),
      );
    } catch (e) {
      setAnswer(null);
      setProblem(problemOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="preview-title">
      <h2 id="preview-title">Preview a mapping change</h2>
      <p class="muted">
        Edit the mapping (YAML or JSON, as the mapper's MAPPING_FILE takes it) and see what it would decide for users
        the mapper holds, next to what the current mapping decides. Nothing is sent to Salesforce.
      </p>
      <form
        class="tester"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <label for="proposed-mapping">Proposed mapping</label>
        <textarea
          id="proposed-mapping"
          rows={12}
          spellcheck={false}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <label for="sample-size">Sample users (1–500)</label>
        <input
          id="sample-size"
          type="number"
          min={1}
          max={500}
          value={sample}
          onInput={(e) => setSample(e.currentTarget.value)}
          class="narrow"
        />
        <div>
          <button type="submit" disabled={busy}>
            Preview
          </button>
        </div>
      </form>
      <Notice>{problem}</Notice>
      <div aria-live="polite" id="preview-result">
        {answer && (
          <>
            <p>
              <strong>{plural(answer.changed, 'user')}</strong> of {answer.sampled} sampled would be decided
              differently.
            </p>
            {answer.warnings.length > 0 && <Notice kind="warning">{answer.warnings.join('; ')}</Notice>}
            {answer.users.length > 0 && (
              <div class="table-wrap">
                <table class="preview-table">
                  <caption class="sr-only">Users whose decision the proposed mapping changes</caption>
                  <thead>
                    <tr>
                      <th scope="col">User</th>
                      <th scope="col">Now</th>
                      <th scope="col">Proposed</th>
                      <th scope="col">Fields: now → proposed</th>
                    </tr>
                  </thead>
                  <tbody>
                    {answer.users.map((u) => {
                      const to = `/users/${encodeURIComponent(u.userId)}`;
                      return (
                        <tr key={u.userId}>
                          <th scope="row">
                            <a href={to} onClick={linkHandler(to)}>
                              {u.userPrincipalName ?? u.userId}
                            </a>
                          </th>
                          <td>
                            {u.current.action} ({u.current.inScope ? 'in scope' : 'out of scope'})
                          </td>
                          <td>
                            {u.proposed.action} ({u.proposed.inScope ? 'in scope' : 'out of scope'})
                          </td>
                          <td>
                            <ul class="field-changes">
                              {u.fields.map((f) => (
                                <li key={f.name}>
                                  <strong>{f.name}</strong>: <span class="old">{show(f.current)}</span> →{' '}
                                  <span class="new">{show(f.proposed)}</span>
                                </li>
                              ))}
                            </ul>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </div>
    </section>
  );
}

/** What happens to a Salesforce user whose Entra user leaves scope, in words. */
function leaving(d: MappingConfig['deprovisioning']): string {
  switch (d.action) {
    case 'deactivate':
      return 'deactivate the Salesforce user';
    case 'freeze':
      return 'freeze the Salesforce user (keeps the licence)';
    case 'freezeThenDeactivate':
      return `freeze the Salesforce user, deactivate it ${d.deactivateAfterDays ?? '?'} days later if still out of scope`;
    case 'none':
      return 'leave the Salesforce user as is';
    default:
      return d.action;
  }
}

/** The multipleRoles policy, in words. */
function twoRoles(p: MappingConfig['multipleRoles']): string {
  if (!p || p.policy === 'conflict') return 'reported as a conflict, the user left as is';
  if (p.policy === 'precedence') return `the first of ${p.precedence.join(' > ')} wins`;
  return 'refused: the user is out of scope';
}
