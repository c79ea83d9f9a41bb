import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Pipeline, startPipeline, waitForInitialSync } from '@provision/demo';
import { createLogger, createMetrics } from '@provision/telemetry';
import { waitFor } from '@provision/testkit';
import { Redis } from 'ioredis';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditService } from '../src/app.ts';
import { type ComposedAudit, createService } from '../src/compose.ts';
import { readConfig } from '../src/config.ts';

// The admin console in a real browser against a running pipeline (services as processes, real
// Kafka, Redis, PostgreSQL, both simulators; a few hundred users): sign in, filter the log, open a
// user, provision on demand, release the guard, pause and resume provisioning, clear a quarantine,
// test an expression — at 1,280 px and on a phone.
// Screenshots go to .artifacts/screenshots/ (ignored by git). Chromium is the system's.
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const SHOTS = fileURLToPath(new URL('../../../.artifacts/screenshots/', import.meta.url));
const GUARD_THRESHOLD = 3;
const LEAVERS = 6;

describe.skipIf(!hasChromium)(`the admin console in headless Chromium (${CHROMIUM}), on a running pipeline`, () => {
  let pipeline: Pipeline;
  let composed: ComposedAudit;
  let console: AuditService;
  let redis: Redis;
  let browser: Browser;
  let base: string;
  let token: string;
  let page: Page;
  const problems: string[] = [];

  const api = async <T>(url: string): Promise<T> => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status, url).toBe(200);
    return (await res.json()) as T;
  };
  const shot = async (name: string, fullPage = true) => {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
  };

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    await writeFile(join(SHOTS, '..', '.gitignore'), '*\n');
    pipeline = await startPipeline({
      users: 300,
      // The bare default mapping: this test is about the console, not the durable link.
      link: false,
      logLevel: 'warn',
      syncIntervalMs: 2000,
      env: { mapper: { DEACTIVATION_GUARD_THRESHOLD: String(GUARD_THRESHOLD) } },
    });
    await waitForInitialSync(pipeline.audit, { timeoutMs: 180_000 });
    token = await pipeline.token();
    const graph = pipeline.sims.graph;
    // The console as the audit serves it, built as main.ts builds it from the pipeline's audit
    // settings: it reads the pipeline's log and reaches its mapper, ingestor and writer. It is not
    // started: the pipeline's audit process consumes, and this one only answers HTTP.
    composed = await createService(readConfig({ ...pipeline.env.audit, HTTP_PORT: '0', LOG_LEVEL: 'silent' }), {
      logger: createLogger({ service: 'audit', level: 'silent' }),
      metrics: createMetrics('audit'),
    });
    console = composed.service;
    redis = new Redis(pipeline.env.audit.REDIS_URL!);
    await console.http.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(console.http.server.address() as AddressInfo).port}`;
    graph.identity.addRedirectUri(`${base}/`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await console?.http.close();
    await composed?.close();
    redis?.disconnect();
    await pipeline?.stop();
  });

  it('signs in from a deep link and comes back to it, filtered', async () => {
    const [first] = (
      await api<{ items: { sourceIdentity: { userPrincipalName: string } }[] }>(
        `${pipeline.auditUrl}/api/provisioning-logs?action=create&status=success&limit=1`,
      )
    ).items;
    const upn = first!.sourceIdentity.userPrincipalName;
    await page.goto(`${base}/logs?status=success&user=${encodeURIComponent(upn)}`);
    await page.locator('#sign-in').click();
    await page.waitForURL(/\/oauth2\/v2\.0\/authorize/);
    const admin = pipeline.signIn.users.find((u) => u.roles.includes('Provision.Operate'))!;
    await page.fill('#username', admin.username);
    await page.fill('#password', admin.password);
    await page.locator('#sign-in').click();
    await page.waitForURL(`${base}/logs?status=success&user=${encodeURIComponent(upn)}`);
    await page.waitForSelector('.log-table tbody tr button');
    expect(await page.inputValue('input[name="user"]')).toBe(upn);
    const users = await page.locator('.log-table tbody .user-cell').allTextContents();
    expect(users.length).toBeGreaterThan(0);
    expect(new Set(users)).toEqual(new Set([upn]));
    expect(await page.textContent('#signed-in-as')).toBe('Provision Admin');
  }, 60_000);

  it('filters the log from the form, opens an entry with its steps and modified properties, and exports what is filtered', async () => {
    await page.goto(`${base}/logs`);
    await page.waitForSelector('.log-table tbody tr button');
    await page.selectOption('select[name="action"]', 'create');
    await page.selectOption('select[name="status"]', 'success');
    // The unfiltered page has 50 rows too: wait for the filtered answer, then for its rows.
    const filtered = page.waitForResponse(
      (r) => r.url().includes('/api/') && r.url().includes('status=success') && r.url().includes('action=create'),
    );
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/\/logs\?status=success&action=create$/);
    await filtered;
    await waitFor(
      async () =>
        (await page.locator('.log-table tbody tr').count()) === 50 &&
        (await page.locator('.log-table tbody tr td:nth-child(3)').allTextContents()).every((a) => a === 'create'),
      { message: 'a first page of 50 creates' },
    );
    const statuses = await page.locator('.log-table tbody td .badge').allTextContents();
    expect(new Set(statuses)).toEqual(new Set(['Success']));
    await page.locator('.log-table tbody tr button').first().click();
    await page.waitForSelector('.detail .steps li');
    const steps = await page.locator('.detail .steps .step-type').allTextContents();
    expect(steps).toEqual(['import', 'scoping', 'matching', 'processing', 'export']);
    // A create lists the fields it set, each with its old value (none) and new value.
    expect(await page.locator('.detail table.modified tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('.detail table.modified tbody tr td.new').first().textContent()).not.toBe('—');
    expect(page.url()).toMatch(/entry=/);
    await shot('logs-detail-1280');

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const csv = await (await download).path();
    const { readFile } = await import('node:fs/promises');
    const lines = (await readFile(csv, 'utf8')).trim().split('\n');
    expect(lines.length).toBeGreaterThan(50);
    // Only what is filtered: every row a successful create.
    const header = lines[0]!.split(',');
    const [action, status] = [header.indexOf('action'), header.indexOf('status')];
    expect(action).toBeGreaterThanOrEqual(0);
    for (const line of lines.slice(1, 20)) {
      const cells = line.split(',');
      expect([cells[action], cells[status]]).toEqual(['create', 'success']);
    }
  }, 60_000);

  it("opens a user's page: history, Entra picture and decision, and provisions on demand step by step", async () => {
    await page.locator('.detail a', { hasText: "'s page" }).click();
    await page.waitForURL(/\/users\//);
    await page.waitForSelector('.scope');
    expect(await page.textContent('.scope')).toContain('In scope');
    expect(await page.locator('.history > li').count()).toBeGreaterThan(0);
    // Nothing changed in Entra: the mapper finds nothing to send, and the page says so.
    await page.locator('#provision-now').click();
    await page.waitForSelector('#on-demand-progress[data-phase="done"]', { timeout: 60_000 });
    expect(await page.textContent('#on-demand-progress')).toContain('nothing to change');
    // A change in Entra: the user goes through every step to Salesforce, shown as each completes.
    const userId = decodeURIComponent(page.url().split('/users/')[1]!);
    pipeline.sims.graph.admin.updateUser(userId, { surname: 'Console-Tested' });
    await page.locator('#provision-now').click();
    await page.waitForSelector('#on-demand-progress[data-phase="done"] .steps .step-type-export', { timeout: 60_000 });
    const steps = await page.locator('#on-demand-progress .step-type').allTextContents();
    expect(steps).toEqual(['request', 'import', 'scoping', 'matching', 'processing', 'export']);
    expect(await page.textContent('#on-demand-progress')).toContain('Done: update');
    await shot('user-on-demand-1280');
  }, 90_000);

  it("shows the user's live Salesforce record beside the Entra picture, marking a field edited in Salesforce", async () => {
    await page.reload();
    await page.waitForSelector('#salesforce-record');
    const panel = (await page.textContent('#salesforce-record')) ?? '';
    // Linked by the writer when it created or matched the user: found by the stored link.
    expect(panel).toContain('the stored link (Redis)');
    expect(await page.textContent('#salesforce-record tr[data-field="LastName"] td')).toBe('Console-Tested');
    const salesforceId = (await page.locator('#salesforce-record dl code').first().textContent())!;
    expect(salesforceId).toMatch(/^005/);
    expect(await page.locator('#salesforce-record tr[data-field="FirstName"].differs').count()).toBe(0);
    // An admin edits the user in Salesforce: the page marks the field that no longer is what the mapping implies.
    const { salesforce } = pipeline.sims;
    const row = salesforce.admin.org(salesforce.orgId).users.get(salesforceId)!;
    row['FirstName'] = 'Edited-In-Salesforce';
    await page.reload();
    await page.waitForSelector('#salesforce-record tr[data-field="FirstName"].differs');
    expect(await page.textContent('#salesforce-record tr[data-field="FirstName"]')).toContain('Edited-In-Salesforce');
    expect(Number(await page.getAttribute('#salesforce-record', 'data-differing'))).toBeGreaterThanOrEqual(1);
    expect(await page.textContent('#salesforce-record')).toMatch(
      /fields? in Salesforce differs? from what the mapping implies/,
    );
    await shot('user-salesforce-1280');
  }, 60_000);

  it('shows the guard holding back a mass deactivation and releases it after a confirmation', async () => {
    const graph = pipeline.sims.graph;
    const assigned = [...graph.tenant.visibleAssignments()].filter((a) => a.principalType === 'User');
    for (const a of assigned.slice(0, LEAVERS)) graph.admin.unassign(a.id);
    await waitFor(
      async () => (await api<{ staged: string[] }>(`${pipeline.mapperUrl}/api/deactivation-guard`)).staged.length > 0,
      { timeout: 60_000, message: 'deactivations held back' },
    );
    await page.getByRole('link', { name: 'Operations' }).click();
    await page.waitForSelector('#release-guard');
    await page.waitForSelector('#sync-progress');
    await page.waitForSelector('#writer-capacity #api-budget');
    expect(await page.textContent('#writer-capacity')).toMatch(/of 2,000 calls this minute/);
    await page.waitForSelector('#consumer-lag tbody tr');
    const groups = await page.locator('#consumer-lag tbody th').allTextContents();
    for (const stage of ['provision-mapper', 'provision-writer', 'audit']) expect(groups).toContain(stage);
    await shot('operations-1280');
    await page.locator('#release-guard').click();
    await page.waitForSelector('dialog.confirm[open]');
    await shot('guard-confirm-1280', false);
    await page.locator('#confirm-release').click();
    await page.waitForSelector('#guard-result');
    expect(await page.textContent('#guard-result')).toMatch(/^Released \d+ deactivations?\.$/);
    await page.waitForSelector('text=No deactivation is held back.');
    expect((await api<{ staged: string[] }>(`${pipeline.mapperUrl}/api/deactivation-guard`)).staged).toEqual([]);
  }, 90_000);

  it('pauses provisioning (nothing flows), clears a quarantine, and resumes: the change made meanwhile arrives', async () => {
    const prefix = pipeline.env.audit.REDIS_PREFIX!;
    await page.goto(`${base}/operations`);
    await page.waitForSelector('#provisioning-state[data-state="running"]');
    await page.locator('#pause-provisioning').click();
    await page.waitForSelector('dialog.confirm[open] #pause-reason');
    await page.fill('#pause-reason', 'Console test: Salesforce maintenance');
    await page.locator('#confirm-pause').click();
    await page.waitForSelector('#provisioning-state[data-state="paused"]');
    expect(await page.textContent('#provisioning-state')).toContain('Provision Admin');
    expect(await page.textContent('#provisioning-state')).toContain('Console test: Salesforce maintenance');
    expect(JSON.parse((await redis.get(`${prefix}provisioning:paused`))!)).toMatchObject({
      reason: 'Console test: Salesforce maintenance',
      by: { kind: 'user' },
    });

    // A change in Entra while paused: no round reads it, so no command is issued for it.
    const graph = pipeline.sims.graph;
    const assigned = [...graph.tenant.visibleAssignments()].filter((a) => a.principalType === 'User');
    const userId = assigned[assigned.length - 1]!.principalId;
    graph.admin.updateUser(userId, { surname: 'Paused-Change' });
    const changeLogged = async () =>
      JSON.stringify(
        await api(`${pipeline.auditUrl}/api/provisioning-logs?userId=${encodeURIComponent(userId)}&limit=20`),
      ).includes('Paused-Change');
    await new Promise((r) => setTimeout(r, 6_000)); // three of the pipeline's 2 s sync intervals
    expect(await changeLogged()).toBe(false);

    // A quarantine as a writer publishes it; the admin clears it after a confirmation.
    await redis.set(
      `${prefix}writer:quarantine`,
      JSON.stringify({
        reason: 'INVALID_LOGIN: Invalid username, password, security token; or user locked out.',
        code: 'SalesforceAuthenticationFailed',
        since: new Date(Date.now() - 600_000).toISOString(),
        consecutiveFailures: 4,
        nextAttemptAt: new Date(Date.now() + 1_800_000).toISOString(),
      }),
    );
    await page.waitForSelector('#clear-quarantine');
    expect(await page.textContent('#quarantine-state')).toContain('INVALID_LOGIN');
    await shot('operations-controls-1280');
    await page.locator('#restart-provisioning').click();
    await page.waitForSelector('dialog.confirm[open] #confirm-restart');
    expect(await page.textContent('dialog.confirm[open]')).toContain('links to Salesforce users are kept');
    await page.locator('dialog.confirm[open] button.secondary').click();
    await page.locator('#clear-quarantine').click();
    await page.waitForSelector('dialog.confirm[open] #confirm-clear');
    await page.locator('#confirm-clear').click();
    await page.waitForSelector('#quarantine-result');
    await page.waitForSelector('text=Not quarantined: the writer is sending to Salesforce.');
    expect(await page.textContent('#quarantine-last-cleared')).toContain('Provision Admin');
    expect(await redis.exists(`${prefix}writer:quarantine`)).toBe(0);
    expect(await redis.hget(`${prefix}writer:quarantine:cleared`, 'count')).not.toBeNull();

    await page.locator('#resume-provisioning').click();
    await page.waitForSelector('#provisioning-state[data-state="running"]');
    expect(await redis.exists(`${prefix}provisioning:paused`)).toBe(0);
    await waitFor(changeLogged, {
      timeout: 60_000,
      message: 'the change made while paused, provisioned after the resume',
    });
  }, 120_000);

  it('renders the effective mapping and evaluates an expression in the page', async () => {
    await page.getByRole('link', { name: 'Mapping' }).click();
    await page.waitForSelector('.mapping-table tbody tr');
    expect(await page.locator('.mapping-table tbody th', { hasText: 'Username' }).count()).toBe(1);
    // The settings in words: the demo mapping deactivates leavers and reports two roles as a conflict.
    expect(await page.textContent('main')).toContain('Leaving scope: deactivate the Salesforce user');
    expect(await page.textContent('main')).toContain('Two app roles: reported as a conflict, the user left as is');
    // The pipeline's mapping was never changed: its first start recorded it, and nobody was re-evaluated.
    await page.waitForSelector('#last-mapping-change');
    expect(await page.textContent('#last-mapping-change')).toContain('No mapping change recorded');
    await page.fill('#expression', 'Mid([userPrincipalName], 1, 4)');
    await page.getByRole('button', { name: 'Evaluate' }).click();
    await page.waitForSelector('#expression-result .result');
    expect(await page.textContent('#expression-result .result')).toBe('"ada."');
    await page.fill('#expression', 'Mid([userPrincipalName], 1');
    await page.getByRole('button', { name: 'Evaluate' }).click();
    await page.waitForSelector('#expression-result .caret');
    // A dry run of a changed mapping: FirstName from displayName instead of givenName.
    const current = JSON.parse(await page.inputValue('#proposed-mapping')) as { mappings: { target: string }[] };
    const proposed = {
      ...current,
      mappings: current.mappings.map((m) => (m.target === 'FirstName' ? { ...m, source: 'displayName' } : m)),
    };
    await page.fill('#proposed-mapping', JSON.stringify(proposed, null, 2));
    await page.fill('#sample-size', '40');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.waitForSelector('#preview-result .preview-table tbody tr');
    expect(await page.textContent('#preview-result')).toMatch(/\d+ users? of 40 sampled would be decided differently/);
    const changes = await page.locator('#preview-result .field-changes strong').allTextContents();
    expect(new Set(changes)).toEqual(new Set(['FirstName']));
    await shot('mapping-1280');
  }, 60_000);

  it('is usable with the keyboard, labels every control, and keeps text contrast at 4.5:1 or more', async () => {
    for (const path of ['/logs', '/operations', '/mapping']) {
      await page.goto(`${base}${path}`);
      await page.waitForSelector('main h1');
      await page.waitForTimeout(500);
      expect(await unlabelled(page), path).toEqual([]);
      expect(await lowContrast(page), path).toEqual([]);
    }
    await page.goto(`${base}/logs`);
    await page.waitForSelector('.log-table tbody tr button');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Skip to content');
    // Keyboard only: to the first entry's button, then Enter opens its details.
    await page.locator('.log-table tbody tr button').first().focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('.detail .steps li');
  }, 60_000);

  it('fits a phone: no sideways scrolling of the page, on the log and on a user', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/logs?status=success`);
    await page.waitForSelector('.log-table tbody tr button');
    expect(await overflow(page)).toEqual([]);
    await shot('logs-phone', false);
    await page.locator('.log-table tbody tr button').first().click();
    await page.locator('.detail a', { hasText: "'s page" }).click();
    await page.waitForSelector('.scope');
    expect(await overflow(page)).toEqual([]);
    await shot('user-phone', false);
    await page.goto(`${base}/operations`);
    await page.waitForSelector('#sync-progress');
    expect(await overflow(page)).toEqual([]);
    await shot('operations-phone', false);
    expect(problems).toEqual([]);
  }, 60_000);
});

describe.skipIf(hasChromium)('the admin console in headless Chromium', () => {
  it.skip(`needs ${CHROMIUM} (apt-get install chromium); the console's API is covered without a browser by src/http/dashboard.test.ts`, () => {});
});

// These run in the page (the DOM's types are not this project's): written as the text the browser evaluates.

/** What sticks out past the viewport's right edge, so the page would scroll sideways (empty: it fits). */
const overflow = (page: Page) =>
  page.evaluate<string[]>(`[...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .filter((e) => !e.parentElement || e.parentElement.getBoundingClientRect().right <= document.documentElement.clientWidth + 1)
    .filter((e) => !e.closest('.table-wrap') || e.classList.contains('table-wrap'))
    .map((e) => e.tagName.toLowerCase() + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`);

/** Form controls with no accessible name (label, aria-label or aria-labelledby). */
const unlabelled = (page: Page) =>
  page.evaluate<string[]>(`[...document.querySelectorAll('input, select, textarea')]
    .filter((c) => c.labels.length === 0 && !c.getAttribute('aria-label') && !c.getAttribute('aria-labelledby'))
    .map((c) => c.outerHTML.slice(0, 80))`);

/** Visible text whose contrast with the background behind it is under WCAG AA's 4.5:1 (3:1 for large text). */
const lowContrast = (page: Page) =>
  page.evaluate<string[]>(`(() => {
    const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => { const c = v / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const bad = [];
    for (const el of document.querySelectorAll('body *')) {
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own || el.disabled || el.closest('[disabled]')) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || Number(style.opacity) < 1) continue;
      const [a, b] = [lum(rgb(style.color)), lum(background(el))];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) bad.push(el.tagName.toLowerCase() + '.' + el.className + ' "' + el.textContent.slice(0, 30) + '" ' + ratio.toFixed(2));
    }
    return bad;
  })()`);
