// The compose sandbox tested from outside, as a user runs it: `docker compose --profile sandbox up`
// from the real docker-compose.yml, every container healthy, then scenarios driven through the
// published ports (graph-sim's admin API on 8443, the ingestor on 8081, the audit API on 8080) and
// Salesforce read through salesforce-sim's admin API inside its container (it publishes no port);
// a writer killed while it works, started again, and the org checked to converge; then `down -v`.
import { randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { registerAuditApi, waitForInitialSync } from '../../demo/src/index.ts';
import { REPO_ROOT } from './bundle.ts';
import { PROVISION_IMAGE } from './images.ts';
import { must, run } from './run.ts';

const PROJECT = 'provision-containers-test';
const TENANT = 'd2d015a9-cb01-4008-bc4e-602a13ddc660';
const CLI_CLIENT = { id: 'd31e1864-8652-55e1-a86d-c45987b004a3', secret: 'sandbox-provision-cli-secret' };
const API_SCOPE = 'api://281e69ad-917c-5c98-9280-aa3c63ff6422/.default';
const AUDIT_URL = 'http://127.0.0.1:8080';
const INGESTOR_URL = 'http://127.0.0.1:8081';
const GRAPH_URL = 'https://localhost:8443';

type Log = (line: string) => void;

const composeEnv = (users: number) => ({
  COMPOSE_PROJECT_NAME: PROJECT,
  PROVISION_IMAGE,
  WEBHOOK_CLIENT_STATE: randomBytes(24).toString('hex'),
  SANDBOX_USERS: String(users),
  // The file's default (the simulator's CA). A shell that sets NODE_EXTRA_CA_CERTS for itself (a
  // machine behind a TLS-inspecting proxy) would otherwise hand its own path to every container.
  NODE_EXTRA_CA_CERTS: '/sim-certs/graph-sim-ca.pem',
});

function compose(args: string[], env: Record<string, string>, quiet = true) {
  return must('docker', ['compose', '-f', `${REPO_ROOT}/docker-compose.yml`, '--profile', 'sandbox', ...args], {
    env,
    quiet,
    cwd: REPO_ROOT,
  });
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(
    `containers test: ${what} not within ${timeoutMs / 1000} s${last ? ` (last error: ${String(last)})` : ''}`,
  );
}

/** HTTPS to graph-sim with its CA (read from the shared volume). */
function graphCall(
  ca: string,
  method: string,
  path: string,
  body?: unknown,
  form?: string,
): Promise<{ status: number; json: unknown }> {
  const payload = form ?? (body === undefined ? undefined : JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      `${GRAPH_URL}${path}`,
      {
        method,
        ca,
        headers: payload
          ? {
              'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
              'content-length': Buffer.byteLength(payload),
            }
          : {},
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () => {
          let json: unknown = text;
          try {
            json = text ? JSON.parse(text) : null;
          } catch {
            // Not JSON: keep the text.
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

interface SimulatedOrgUser {
  Id: string;
  Username: string;
  LastName?: string;
  IsActive: boolean;
  [field: string]: unknown;
}

/** The org's users, from salesforce-sim's admin API inside its container. */
async function salesforceUsers(env: Record<string, string>): Promise<SimulatedOrgUser[]> {
  const script = `const b='http://127.0.0.1:8444/__admin/orgs';fetch(b).then(r=>r.json()).then(async o=>{const u=await (await fetch(b+'/'+o[0].orgId+'/users')).json();process.stdout.write(JSON.stringify(u))})`;
  const out = await compose(['exec', '-T', 'salesforce-sim', 'node', '-e', script], env);
  return JSON.parse(out.slice(out.indexOf('['))) as SimulatedOrgUser[];
}

export async function composeTest(log: Log, options: { short: boolean; keep: boolean }): Promise<boolean> {
  const users = options.short ? 50 : 200;
  const env = composeEnv(users);
  const started = Date.now();
  const step = (line: string) => log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
  await compose(['down', '-v', '--remove-orphans'], env).catch(() => '');
  try {
    step(`compose: up (--profile sandbox, ${users} users in the tenant)`);
    await compose(['up', '-d', '--no-build', '--wait', '--wait-timeout', '300'], env, false).catch(async (error) => {
      // roles-import exits once done (not "healthy"), which --wait may count as a failure: check the rest.
      step(`compose: up --wait said: ${String(error).split('\n')[0]}`);
    });
    await until('every service healthy', 300_000, async () => {
      const ps = await compose(['ps', '--format', '{{.Service}} {{.Health}} {{.State}}'], env);
      const lines = ps.trim().split('\n').filter(Boolean);
      const notHealthy = lines.filter((l) => !/ healthy running$/.test(l) && !l.startsWith('roles-import '));
      if (notHealthy.length === 0 && lines.length >= 9) return lines;
      return undefined;
    });
    step('compose: all healthy');

    const ca = await compose(['exec', '-T', 'graph-sim', 'cat', '/sim-certs/graph-sim-ca.pem'], env);
    const tokenOnce = async () => {
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: CLI_CLIENT.id,
        client_secret: CLI_CLIENT.secret,
        scope: API_SCOPE,
      }).toString();
      const r = await graphCall(ca, 'POST', `/${TENANT}/oauth2/v2.0/token`, undefined, form);
      const token = (r.json as { access_token?: string } | null)?.access_token;
      if (!token) throw new Error(`token: ${r.status} ${JSON.stringify(r.json)}`);
      return token;
    };
    const token = await tokenOnce();
    const unregister = registerAuditApi({ url: AUDIT_URL, token: async () => token });

    // 1. Initial sync, as the demo waits for it (tools/demo).
    await waitForInitialSync(AUDIT_URL, { timeoutMs: 300_000 });
    const afterSync = await salesforceUsers(env);
    step(`initial sync: done; Salesforce has ${afterSync.filter((u) => u.IsActive).length} active users`);
    if (afterSync.filter((u) => u.IsActive).length < 10) throw new Error('initial sync: fewer than 10 active users');

    const graph = async (method: string, path: string, body?: unknown) => {
      const r = await graphCall(ca, method, path, body);
      if (r.status >= 300) throw new Error(`graph-sim ${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
      return r.json as Record<string, unknown>;
    };
    const bySuffix = (mail: string) => async () =>
      (await salesforceUsers(env)).find((u) =>
        String(u.Username).toLowerCase().startsWith(mail.split('@')[0]!.toLowerCase()),
      );
    const newHire = async (tag: string) => {
      const nick = `ct${tag}${randomBytes(3).toString('hex')}`;
      const domain = 'provision-sandbox.example.com';
      const user = await graph('POST', '/__admin/users', {
        displayName: `Container Test ${tag}`,
        givenName: 'Container',
        surname: `Test ${tag}`,
        userPrincipalName: `${nick}@${domain}`,
        mail: `${nick}@${domain}`,
        mailNickname: nick,
        accountEnabled: true,
      });
      // A profile role (roles-import made the org's profiles the app's roles); Default Access is out of scope.
      await graph('POST', '/__admin/assignments', { principalId: user['id'], role: 'Standard User' });
      return { id: String(user['id']), mail: `${nick}@${domain}` };
    };
    const onDemand = async (userId: string) => {
      const r = await fetch(`${INGESTOR_URL}/api/provision-on-demand`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenOnce()}` },
        body: JSON.stringify({ userId }),
      });
      if (!r.ok) throw new Error(`on-demand ${userId}: ${r.status} ${await r.text()}`);
    };

    // 2. On-demand provisioning of a new hire (assignments are not notified by Graph).
    const hire = await newHire('hire');
    await onDemand(hire.id);
    const created = await until('the on-demand user in Salesforce', 60_000, bySuffix(hire.mail));
    step(`on-demand: ${hire.mail} created in Salesforce as ${created.Id}`);

    // 3. A change: a new surname reaches LastName (change notification → delta round).
    await graph('PATCH', `/__admin/users/${hire.id}`, { surname: 'Renamed' });
    await until('the rename in Salesforce', 60_000, async () => {
      const u = await bySuffix(hire.mail)();
      return u?.LastName === 'Renamed' ? u : undefined;
    });
    step('change: the new surname reached Salesforce');

    // 4. A deactivation: accountEnabled false → IsActive false.
    await graph('PATCH', `/__admin/users/${hire.id}`, { accountEnabled: false });
    await until('the deactivation in Salesforce', 60_000, async () => {
      const u = await bySuffix(hire.mail)();
      return u && !u.IsActive ? u : undefined;
    });
    step('deactivation: the user is inactive in Salesforce');

    // 5. A writer killed while it works, started again: every user created exactly once.
    const batch = options.short ? 10 : 25;
    const hires: { id: string; mail: string }[] = [];
    for (let i = 0; i < batch; i++) hires.push(await newHire(`k${i}`));
    await Promise.all(hires.map((h) => onDemand(h.id)));
    const writer = (await compose(['ps', '-q', 'writer'], env)).trim();
    await must('docker', ['kill', writer], { quiet: true });
    step(`kill: writer container ${writer.slice(0, 12)} killed with ${batch} new hires in flight`);
    await new Promise((r) => setTimeout(r, 2000));
    await compose(['up', '-d', '--no-build', '--no-deps', 'writer'], env);
    await until('the writer healthy again', 180_000, async () => {
      const ps = await compose(['ps', '--format', '{{.Health}}', 'writer'], env);
      return ps.trim() === 'healthy' ? true : undefined;
    });
    step('kill: writer running and healthy again');
    const converged = await until(`all ${batch} new hires in Salesforce`, 240_000, async () => {
      const all = await salesforceUsers(env);
      const found = hires.map((h) =>
        all.filter((u) => String(u.Username).toLowerCase().startsWith(h.mail.split('@')[0]!)),
      );
      return found.every((f) => f.length >= 1) ? found : undefined;
    });
    const duplicates = converged.filter((f) => f.length > 1).length;
    step(`kill: converged, ${batch} created, ${duplicates} created twice`);
    unregister?.();
    if (duplicates > 0) throw new Error(`kill: ${duplicates} new hires have two Salesforce users`);
    step('PASS');
    return true;
  } catch (error) {
    step(`FAIL: ${error instanceof Error ? error.message : String(error)}`);
    const logs = await run(
      'docker',
      ['compose', '-f', `${REPO_ROOT}/docker-compose.yml`, '--profile', 'sandbox', 'logs', '--tail', '15'],
      {
        env,
        quiet: true,
      },
    );
    log(logs.output.slice(-8000));
    return false;
  } finally {
    if (!options.keep) {
      await compose(['down', '-v', '--remove-orphans'], env).catch((e: unknown) =>
        step(`down -v failed: ${String(e)}`),
      );
      step('compose: down -v');
    }
  }
}
