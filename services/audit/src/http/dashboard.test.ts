import { createContext, Script } from 'node:vm';
import { ROLES } from '@provision/auth';
import { createTestIssuer } from '@provision/auth/testing';
import { createLogger, createMetrics } from '@provision/telemetry';
import { describe, expect, it } from 'vitest';
import { type AuditService, buildService } from '../app.ts';
import { FakeQuarantine, InMemoryAuditLogStore, InMemoryEventSource } from '../fakes.ts';
import { commandForFailure, fixtures } from '../testing/fixtures.ts';

/** Just enough DOM for the dashboard's script: elements that keep text, classes and children. */
class FakeElement {
  textContent = '';
  className = '';
  max = 0;
  value = 0;
  dataset: Record<string, string> = {};
  listeners = new Map<string, () => void>();
  addEventListener(type: string, listener: () => void) {
    this.listeners.set(type, listener);
  }
  click() {
    this.listeners.get('click')?.();
  }
  children: FakeElement[] = [];
  private classes = new Set<string>();
  classList = {
    add: (c: string) => this.classes.add(c),
    remove: (c: string) => this.classes.delete(c),
    toggle: (c: string, on: boolean) => (on ? this.classes.add(c) : this.classes.delete(c)),
    contains: (c: string) => this.classes.has(c),
  };
  appendChild(child: FakeElement) {
    this.children.push(child);
    return child;
  }
  replaceChildren(...children: FakeElement[]) {
    this.children = children;
  }
  get text(): string {
    return this.children.length === 0 ? this.textContent : this.children.map((c) => c.text).join(' | ');
  }
}

const SIGN_IN = {
  authority: 'https://login.test/tenant-1',
  clientId: 'client-1',
  scope: 'api://client-1/access_as_user',
};

/** Runs the dashboard's script against `service` in a fake browser tab; `saved` is what sessionStorage holds. */
async function openDashboard(service: AuditService, saved: Record<string, string>) {
  const page = (await service.http.inject('/')).body;
  const script = (await service.http.inject('/dashboard.js')).body;
  const meta = /<meta name="provision-auth" content="([^"]*)">/.exec(page)?.[1] ?? '';
  const elements = new Map<string, FakeElement>();
  const byId = (id: string) => {
    if (!page.includes(`id="${id}"`)) throw new Error(`the page has no #${id}`);
    if (!elements.has(id)) elements.set(id, new FakeElement());
    return elements.get(id) as FakeElement;
  };
  const body = new FakeElement();
  const calls: { path: string; authorization: string | undefined }[] = [];
  const navigations: string[] = [];
  const storage = new Map(Object.entries(saved));
  const context = createContext({
    document: {
      getElementById: byId,
      createElement: () => new FakeElement(),
      querySelector: () => ({ getAttribute: () => meta.replaceAll('&quot;', '"').replaceAll('&amp;', '&') }),
      body,
    },
    window: {
      sessionStorage: {
        getItem: (k: string) => storage.get(k) ?? null,
        setItem: (k: string, v: string) => storage.set(k, v),
        removeItem: (k: string) => storage.delete(k),
      },
    },
    location: {
      origin: 'http://127.0.0.1:8080',
      pathname: '/',
      search: '',
      assign: (url: string) => navigations.push(url),
    },
    history: { replaceState: () => undefined },
    fetch: async (path: string, init: { headers?: Record<string, string> } = {}) => {
      calls.push({ path, authorization: init.headers?.['authorization'] });
      const res = await service.http.inject({ url: path, headers: init.headers ?? {} });
      return { ok: res.statusCode < 400, status: res.statusCode, json: async () => res.json() };
    },
    setInterval: () => 0,
    clearInterval: () => undefined,
    crypto: globalThis.crypto,
    TextEncoder,
    TextDecoder,
    URLSearchParams,
    Uint8Array,
    atob,
    btoa,
    Date,
    Math,
    Number,
    Object,
    Promise,
    String,
    JSON,
  });
  new Script(script).runInContext(context);
  return { byId, body, calls, navigations, storage };
}

describe('dashboard', () => {
  it('renders sync progress, counts, failures with their advice, quarantine and dead letters from the API, signed in', async () => {
    const issuer = await createTestIssuer();
    const token = await issuer.userToken([ROLES.read], { name: 'Pat Reader' });
    const store = new InMemoryAuditLogStore();
    const events = new InMemoryEventSource();
    const quarantine = new FakeQuarantine();
    const service = buildService({
      store,
      events,
      quarantine,
      logger: createLogger({ service: 'audit', level: 'silent' }),
      metrics: createMetrics('audit'),
      retentionDays: 30,
      auth: { verifier: issuer.verifier, dashboard: SIGN_IN },
    });
    await service.start();
    await events.deliverMarker(fixtures.syncStarted());
    await events.deliverCommand(fixtures.commandCreate());
    await events.deliverCommand(commandForFailure());
    await events.deliverResult(fixtures.resultFailure());
    await events.deliverDeadLetter({
      topic: 'provisioning.commands.dlq.v1',
      sourceTopic: 'provisioning.commands.v1',
      partition: 0,
      offset: '3',
      key: 'u-9',
      reason: 'value is not JSON',
      errorCode: 'PRV_EVENT_UNDECODABLE',
      headers: {},
      payload: '{',
      payloadEncoding: 'utf8',
    });
    quarantine.state = {
      reason: 'Salesforce refused the credentials',
      code: 'PRV_SALESFORCE_AUTH_FAILED',
      since: '2026-11-26T11:30:00.000Z',
      consecutiveFailures: 12,
      nextAttemptAt: '2026-11-26T12:30:00.000Z',
    };

    const session = JSON.stringify({
      accessToken: token,
      expiresAt: Date.now() + 3_600_000,
      user: { name: 'Pat Reader', roles: [] },
    });
    const { byId, body, calls } = await openDashboard(service, { 'provision.session': session });
    await expect.poll(() => body.dataset.loaded, { timeout: 2_000 }).toBe('true');

    expect(byId('error').classList.contains('hidden')).toBe(true);
    expect(byId('sync-state').textContent).toBe('in progress');
    expect(byId('progress-text').textContent).toBe('1 of 2 commands have a result (1 pending)');
    expect(byId('by-error').text).toContain('SalesforceDuplicateUserName | 1');
    const failures = byId('failures').text;
    expect(failures).toContain('megan.bowen@contoso.com');
    expect(failures).toContain('Duplicate Username. The username already exists');
    expect(failures).toContain('Usernames are unique across all Salesforce orgs');
    expect(byId('quarantine').classList.contains('hidden')).toBe(false);
    expect(byId('quarantine').textContent).toMatch(
      /^Writer quarantined: Salesforce refused the credentials \(PRV_SALESFORCE_AUTH_FAILED\) since .+; 12 consecutive failures; next attempt /,
    );
    expect(byId('dead-total').textContent).toBe('1 in total');
    expect(byId('dead-letters').text).toContain('value is not JSON');
    expect(byId('signed-in-as').textContent).toBe('Pat Reader');
    expect(calls.every((c) => c.authorization === `Bearer ${token}`)).toBe(true);
  });

  it('signed out, shows the sign-in panel, calls no API, and signs in with PKCE against the authority', async () => {
    const issuer = await createTestIssuer();
    const service = buildService({
      store: new InMemoryAuditLogStore(),
      events: new InMemoryEventSource(),
      logger: createLogger({ service: 'audit', level: 'silent' }),
      metrics: createMetrics('audit'),
      retentionDays: 30,
      auth: { verifier: issuer.verifier, dashboard: SIGN_IN },
    });
    const { byId, calls, navigations, storage } = await openDashboard(service, {});
    await expect.poll(() => byId('sign-in-panel').classList.contains('hidden')).toBe(false);
    expect(calls).toEqual([]);
    byId('sign-in').click();
    await expect.poll(() => navigations.length).toBe(1);
    const url = new URL(navigations[0]!);
    expect(`${url.origin}${url.pathname}`).toBe('https://login.test/tenant-1/oauth2/v2.0/authorize');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: 'client-1',
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:8080/',
      scope: 'api://client-1/access_as_user',
      code_challenge_method: 'S256',
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    const pending = JSON.parse(storage.get('provision.sign-in') ?? '{}') as { verifier: string; state: string };
    expect(url.searchParams.get('state')).toBe(pending.state);
    const { createHash } = await import('node:crypto');
    expect(url.searchParams.get('code_challenge')).toBe(
      createHash('sha256').update(pending.verifier).digest('base64url'),
    );
  });
});
