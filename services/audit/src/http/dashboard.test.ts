import { createContext, Script } from 'node:vm';
import { createLogger, createMetrics } from '@provision/telemetry';
import { describe, expect, it } from 'vitest';
import { buildService } from '../app.ts';
import { FakeQuarantine, InMemoryAuditLogStore, InMemoryEventSource } from '../fakes.ts';
import { commandForFailure, fixtures } from '../testing/fixtures.ts';

/** Just enough DOM for the dashboard's script: elements that keep text, classes and children. */
class FakeElement {
  textContent = '';
  className = '';
  max = 0;
  value = 0;
  dataset: Record<string, string> = {};
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

describe('dashboard', () => {
  it('renders sync progress, counts, failures with their advice, quarantine and dead letters from the API', async () => {
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

    const page = (await service.http.inject('/')).body;
    const script = /<script>([\s\S]*?)<\/script>/.exec(page)?.[1] ?? '';
    const elements = new Map<string, FakeElement>();
    const byId = (id: string) => {
      if (!page.includes(`id="${id}"`)) throw new Error(`the page has no #${id}`);
      if (!elements.has(id)) elements.set(id, new FakeElement());
      return elements.get(id) as FakeElement;
    };
    const body = new FakeElement();
    const context = createContext({
      document: { getElementById: byId, createElement: () => new FakeElement(), body },
      fetch: async (path: string) => {
        const res = await service.http.inject(path);
        return { ok: res.statusCode < 400, status: res.statusCode, json: async () => res.json() };
      },
      setInterval: () => 0,
      Date,
      Math,
      Object,
      Promise,
      String,
      JSON,
    });
    new Script(script).runInContext(context);
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
  });
});
