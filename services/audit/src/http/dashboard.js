// The dashboard: signs in with Entra ID (authorization code + PKCE, as a single-page app), keeps
// the access token in this tab only (memory and sessionStorage, never a cookie or localStorage),
// and reads the audit API with it. Served as a file so the page's CSP allows no inline script.
(() => {
  const $ = (id) => document.getElementById(id);
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
  const SESSION = 'provision.session';
  const PENDING = 'provision.sign-in';
  const store = window.sessionStorage;
  const config = readAuthConfig();
  const redirectUri = location.origin + '/';
  let session = loadSession();
  let timer = null;

  function readAuthConfig() {
    const meta = document.querySelector('meta[name="provision-auth"]');
    try {
      return meta ? JSON.parse(meta.getAttribute('content')) : null;
    } catch {
      return null;
    }
  }

  function loadSession() {
    try {
      const saved = JSON.parse(store.getItem(SESSION) || 'null');
      return saved && saved.expiresAt > Date.now() + 30_000 ? saved : null;
    } catch {
      return null;
    }
  }

  function base64url(bytes) {
    let text = '';
    for (const b of bytes) text += String.fromCharCode(b);
    return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  // Only to show who is signed in: the API checks the token, the page never trusts it.
  function whoIs(token) {
    try {
      const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
      return { name: claims.name || claims.preferred_username || claims.oid, roles: claims.roles || [] };
    } catch {
      return { name: 'signed in', roles: [] };
    }
  }

  async function signIn() {
    if (!config) return showError('Sign-in is not configured for the dashboard (AUTH_DASHBOARD_CLIENT_ID).');
    const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
    const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
    store.setItem(PENDING, JSON.stringify({ verifier, state }));
    const params = new URLSearchParams({
      client_id: config.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      response_mode: 'query',
      scope: config.scope,
      state,
      code_challenge: base64url(new Uint8Array(digest)),
      code_challenge_method: 'S256',
    });
    location.assign(config.authority + '/oauth2/v2.0/authorize?' + params.toString());
  }

  /** Back from the authority with `?code=…&state=…` (or `?error=…`): redeem the code with the verifier. */
  async function completeSignIn() {
    const params = new URLSearchParams(location.search);
    const code = params.get('code');
    const error = params.get('error');
    if (!code && !error) return;
    history.replaceState(null, '', location.pathname); // the code never stays in the address bar or history
    const pending = JSON.parse(store.getItem(PENDING) || 'null');
    store.removeItem(PENDING);
    if (error) throw new Error('Sign-in failed: ' + (params.get('error_description') || error));
    if (!pending || pending.state !== params.get('state')) {
      throw new Error('Sign-in failed: the answer does not match the request (state). Sign in again.');
    }
    const response = await fetch(config.authority + '/oauth2/v2.0/token', {
      method: 'POST',
      body: new URLSearchParams({
        client_id: config.clientId,
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        code_verifier: pending.verifier,
        scope: config.scope,
      }),
    });
    const body = await response.json();
    if (!response.ok) throw new Error('Sign-in failed: ' + (body.error_description || response.status));
    session = {
      accessToken: body.access_token,
      expiresAt: Date.now() + Number(body.expires_in) * 1000,
      user: whoIs(body.access_token),
    };
    store.setItem(SESSION, JSON.stringify(session));
  }

  function signOut(why) {
    session = null;
    store.removeItem(SESSION);
    if (timer !== null) clearInterval(timer);
    timer = null;
    showSignedIn();
    $('sign-in-why').textContent =
      why || 'The provisioning log holds names and accounts: sign in with Entra ID (app role Provision.Read).';
  }

  function showSignedIn() {
    const signedIn = session !== null;
    $('sign-in-panel').classList.toggle('hidden', signedIn);
    $('sign-out').classList.toggle('hidden', !signedIn);
    $('signed-in-as').classList.toggle('hidden', !signedIn);
    $('signed-in-as').textContent = signedIn ? session.user.name : '';
    if (!signedIn) $('updated').textContent = 'signed out';
  }

  function showError(message) {
    $('error').textContent = message;
    $('error').classList.remove('hidden');
  }

  async function api(path, accept) {
    if (!session || session.expiresAt <= Date.now()) {
      signOut('Your session ended: sign in again.');
      throw new Error('signed out');
    }
    const res = await fetch(path, {
      headers: { accept: accept || 'application/json', authorization: 'Bearer ' + session.accessToken },
    });
    if (res.status === 401) {
      signOut('Your session is no longer valid: sign in again.');
      throw new Error('signed out');
    }
    if (!res.ok) {
      let message = path + ' answered ' + res.status;
      try {
        const body = await res.json();
        message = body.error?.message || body.message || message;
      } catch {}
      throw new Error(message);
    }
    return res;
  }
  const getJson = async (path) => (await api(path)).json();

  // Every value is set with textContent: names and reasons come from the directory and Salesforce.
  function row(cells) {
    const tr = document.createElement('tr');
    for (const c of cells) {
      const td = document.createElement('td');
      if (c && typeof c === 'object') {
        td.textContent = c.text;
        if (c.className) td.className = c.className;
      } else td.textContent = c == null ? '' : String(c);
      tr.appendChild(td);
    }
    return tr;
  }
  function fill(id, rows, empty) {
    $(id).replaceChildren(...(rows.length ? rows : [row([empty])]));
  }
  function counts(id, map) {
    const entries = Object.entries(map || {}).sort((a, b) => b[1] - a[1]);
    fill(
      id,
      entries.map(([k, n]) => row([{ text: k, className: 'status-' + k }, n])),
      'none yet',
    );
  }

  function renderStatus(s) {
    const full = s.fullSync;
    $('sync-state').textContent = full.state.replace('-', ' ');
    $('sync-state').className = 'state ' + full.state;
    $('sync-id').textContent = full.syncId || '';
    $('sync-times').textContent = full.startedAt
      ? 'started ' + when(full.startedAt) + (full.completedAt ? ', completed ' + when(full.completedAt) : '')
      : '';
    $('initial').textContent = s.initialSyncCompleted
      ? 'Initial sync completed; incremental changes flow.'
      : 'Initial sync not completed yet.';
    const p = s.progress;
    $('progress-text').textContent =
      p.resultsReceived + ' of ' + p.commandsIssued + ' commands have a result (' + p.pending + ' pending)';
    $('progress').max = Math.max(p.commandsIssued, 1);
    $('progress').value = p.resultsReceived;
    const l = s.lastChange;
    $('last-change').textContent = l
      ? 'Last change: ' + l.action + ' ' + l.userId + ' → ' + l.status + ' at ' + when(l.completedAt)
      : 'No change processed yet.';
    counts('by-outcome', s.counts.byOutcome);
    counts('by-status', s.counts.byStatus);
    counts('by-action', s.counts.byAction);
    counts('by-error', s.counts.byErrorCode);
    $('dead-total').textContent = s.deadLetters.total + ' in total';
    $('dead-latest').textContent = s.deadLetters.latestAt ? '(latest ' + when(s.deadLetters.latestAt) + ')' : '';
    const q = s.quarantine;
    $('quarantine').classList.toggle('hidden', !q);
    // The writer publishes { reason, code, since, consecutiveFailures, nextAttemptAt }.
    $('quarantine').textContent = q
      ? 'Writer quarantined: ' +
        (q.reason || JSON.stringify(q)) +
        (q.code ? ' (' + q.code + ')' : '') +
        (q.since ? ' since ' + when(q.since) : '') +
        (q.consecutiveFailures ? '; ' + q.consecutiveFailures + ' consecutive failures' : '') +
        (q.nextAttemptAt ? '; next attempt ' + when(q.nextAttemptAt) : '')
      : '';
  }

  function renderFailures(page) {
    fill(
      'failures',
      page.items.map((e) =>
        row([
          when(e.activityDateTime),
          e.sourceIdentity.userPrincipalName || e.sourceIdentity.id,
          e.action,
          { text: e.errorInfo ? e.errorInfo.errorCode : '', className: 'status-failure' },
          e.errorInfo ? e.errorInfo.reason.replace(/<br\s*\/?>/gi, ' ') : '',
          e.errorInfo ? e.errorInfo.recommendedAction || '' : '',
        ]),
      ),
      'No failures.',
    );
  }

  function renderDeadLetters(page) {
    fill(
      'dead-letters',
      page.items.map((d) => row([when(d.receivedAt), d.sourceTopic, d.key || '', d.errorCode || '', d.reason])),
      'No dead letters.',
    );
  }

  async function refresh() {
    if (!session) return;
    try {
      const [status, failures, dead] = await Promise.all([
        getJson('/api/sync-status'),
        getJson('/api/provisioning-logs?status=failure&limit=20'),
        getJson('/api/dead-letters?limit=10'),
      ]);
      renderStatus(status);
      renderFailures(failures);
      renderDeadLetters(dead);
      $('error').classList.add('hidden');
      $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
      document.body.dataset.loaded = 'true';
    } catch (err) {
      if (err.message !== 'signed out') showError('Cannot read the audit API: ' + err.message);
    }
  }

  // A link cannot carry the bearer token: the export is fetched, then saved from memory.
  async function downloadFailures() {
    try {
      const blob = await (await api('/api/provisioning-logs?status=failure&format=csv', 'text/csv')).blob();
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = 'provisioning-failures.csv';
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    } catch (err) {
      if (err.message !== 'signed out') showError('Cannot export: ' + err.message);
    }
  }

  async function start() {
    $('sign-in').addEventListener('click', () => void signIn().catch((e) => showError(e.message)));
    $('sign-out').addEventListener('click', () => signOut('Signed out.'));
    $('failures-csv').addEventListener('click', () => void downloadFailures());
    try {
      await completeSignIn();
    } catch (err) {
      showError(err.message);
    }
    showSignedIn();
    if (!session) return;
    await refresh();
    timer = setInterval(refresh, 5000);
  }
  void start();
})();
