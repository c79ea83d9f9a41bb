import { type ComponentChildren, render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApi } from './api.ts';
import { completeSignIn, forgetSession, loadSession, readAuthConfig, type Session, signIn } from './auth.ts';
import { Notice } from './components/common.tsx';
import { LogsPage } from './pages/logs.tsx';
import { MappingPage } from './pages/mapping.tsx';
import { OperationsPage } from './pages/operations.tsx';
import { UserPage } from './pages/user.tsx';
import { linkHandler, useLocation } from './router.ts';
import './styles.css';

const config = readAuthConfig();
const NAV = [
  { to: '/logs', label: 'Provisioning logs' },
  { to: '/operations', label: 'Operations' },
  { to: '/mapping', label: 'Mapping' },
] as const;
const DEFAULT_WHY = 'The provisioning log holds names and accounts: sign in with Entra ID (app role Provision.Read).';

function App({ initial, initialProblem }: { initial: Session | null; initialProblem: string | null }) {
  const [session, setSession] = useState<Session | null>(initial);
  const [why, setWhy] = useState(DEFAULT_WHY);
  const [problem, setProblem] = useState<string | null>(initialProblem);
  const where = useLocation();
  const api = useMemo(
    () =>
      createApi(
        () => session,
        (reason) => {
          forgetSession();
          setSession(null);
          setWhy(reason);
        },
      ),
    [session],
  );
  const canOperate = session?.user.roles.includes('Provision.Operate') ?? false;
  const path = where.path === '/' ? '/logs' : where.path;
  const title = NAV.find((n) => path.startsWith(n.to))?.label ?? (path.startsWith('/users/') ? 'User' : 'Not found');
  useEffect(() => {
    document.title = `${title} — Provision`;
    document.body.dataset['loaded'] = session ? 'true' : 'false';
  }, [title, session]);

  let page: ComponentChildren;
  const user = /^\/users\/([^/]+)$/.exec(path);
  if (!session) page = null;
  else if (path === '/logs') page = <LogsPage api={api} query={where.query} />;
  else if (path === '/operations') page = <OperationsPage api={api} canOperate={canOperate} />;
  else if (path === '/mapping') page = <MappingPage api={api} />;
  else if (user?.[1])
    page = <UserPage key={user[1]} api={api} userId={decodeURIComponent(user[1])} canOperate={canOperate} />;
  else page = <p>No such page. Go to the provisioning logs.</p>;

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Provision</span>
        <nav aria-label="Console">
          <ul>
            {NAV.map((n) => (
              <li key={n.to}>
                <a href={n.to} onClick={linkHandler(n.to)} aria-current={path.startsWith(n.to) ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          {session && (
            <>
              <span id="signed-in-as">{session.user.name}</span>
              <button
                type="button"
                class="secondary"
                id="sign-out"
                onClick={() => {
                  forgetSession();
                  setSession(null);
                  setWhy('Signed out.');
                }}
              >
                Sign out
              </button>
            </>
          )}
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <div id="error">
          <Notice>{problem}</Notice>
        </div>
        {session ? (
          page
        ) : (
          <section id="sign-in-panel" class="card sign-in" aria-labelledby="sign-in-title">
            <h1 id="sign-in-title">Sign in</h1>
            <p id="sign-in-why">{why}</p>
            <button
              type="button"
              id="sign-in"
              onClick={() => {
                if (!config) setProblem('Sign-in is not configured for the console (AUTH_DASHBOARD_CLIENT_ID).');
                else void signIn(config).catch((e: Error) => setProblem(e.message));
              }}
            >
              Sign in with Entra ID
            </button>
          </section>
        )}
      </main>
    </>
  );
}

async function start() {
  let session = loadSession();
  let problem: string | null = null;
  try {
    session = (await completeSignIn(config)) ?? session;
  } catch (e) {
    problem = (e as Error).message;
  }
  const root = document.getElementById('app');
  if (root) render(<App initial={session} initialProblem={problem} />, root);
}

void start();
