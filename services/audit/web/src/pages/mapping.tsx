import { useEffect, useState } from 'preact/hooks';
import { type Api, ApiError, problemOf } from '../api.ts';
import { Notice, Unavailable } from '../components/common.tsx';
import { show } from '../format.ts';
import type { ExpressionAnswer, MappingConfig } from '../types.ts';

const SAMPLE_ATTRIBUTES = JSON.stringify(
  { userPrincipalName: 'ada.lovelace@contoso.com', givenName: 'Ada', surname: 'Lovelace', mail: 'ada@contoso.com' },
  null,
  2,
);

/** The effective mapping, readable, and the expression tester. */
export function MappingPage({ api }: { api: Api }) {
  const [mapping, setMapping] = useState<MappingConfig | null>(null);
  const [problem, setProblem] = useState<{ message: string; unavailable: boolean } | null>(null);
  const [expression, setExpression] = useState('Join(" ", [givenName], [surname])');
  useEffect(() => {
    api
      .get<{ mapping: MappingConfig }>('/api/console/mapping')
      .then((a) => setMapping(a.mapping))
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
      <ExpressionTester api={api} expression={expression} setExpression={setExpression} />
      <section class="card">
        <h2>Preview a mapping change</h2>
        <Unavailable
          what="Dry run of a changed mapping over sample users"
          why="not built yet; run the mapper with DRY_RUN=true and the new MAPPING_FILE to see every decision in the log."
        />
      </section>
    </div>
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
          Leaving scope: <strong>{mapping.deprovisioning.action}</strong> the Salesforce user
        </li>
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
