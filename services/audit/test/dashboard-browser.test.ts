import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { verifierFromConfig } from '@provision/auth';
import { type GraphSim, startGraphSim } from '@provision/graph-sim';
import { createLogger, createMetrics } from '@provision/telemetry';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditService, buildService } from '../src/app.ts';
import { dashboardSignInFrom } from '../src/http/dashboard.ts';
import { InMemoryAuditLogStore, InMemoryEventSource } from '../src/testing/fakes.ts';
import { commandForFailure, fixtures } from '../src/testing/fixtures.ts';

// A real browser signs in to the dashboard through graph-sim's login page (authorization code +
// PKCE), under the page's CSP, and reads the log. Chromium comes from the system (`apt-get install
// chromium`): no browser is downloaded.
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);

describe.skipIf(!hasChromium)(`the dashboard in headless Chromium (${CHROMIUM})`, () => {
  let sim: GraphSim;
  let service: AuditService;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    sim = await startGraphSim({ signInPassword: 'Dev-Passw0rd!' });
    const config = {
      AUTH_TENANT_ID: sim.tenantId,
      AUTH_AUTHORITY_HOST: sim.authorityHost,
      AUTH_AUDIENCE: [sim.signIn.apiAppId],
    };
    const events = new InMemoryEventSource();
    service = buildService({
      store: new InMemoryAuditLogStore(),
      events,
      logger: createLogger({ service: 'audit', level: 'silent' }),
      metrics: createMetrics('audit'),
      retentionDays: 30,
      auth: { verifier: verifierFromConfig(config), dashboard: dashboardSignInFrom(config) },
    });
    await service.start();
    await events.deliverMarker(fixtures.syncStarted());
    await events.deliverCommand(commandForFailure());
    await events.deliverResult(fixtures.resultFailure());
    await service.http.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(service.http.server.address() as AddressInfo).port}/`;
    sim.identity.addRedirectUri(url);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await sim?.close();
  });

  it('signs in with the dev login, shows who is signed in and the log with the failure, with no CSP violation', async () => {
    // graph-sim's certificate is its own CA's: the browser is told to accept it, as a user would once.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(url);
    await page.locator('#sign-in').click();
    await page.waitForURL(/\/oauth2\/v2\.0\/authorize/);
    const admin = sim.signIn.users.find((u) => u.roles.includes('Provision.Operate'))!;
    await page.fill('#username', admin.username);
    await page.fill('#password', admin.password);
    await page.locator('#sign-in').click();
    await page.waitForURL(url);
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 15_000 });
    expect(await page.textContent('#signed-in-as')).toBe('Provision Admin');
    await page.waitForSelector('.log-table tbody tr button');
    expect(await page.textContent('.log-table')).toContain('megan.bowen@contoso.com');
    expect(page.url()).toBe(url); // the code is gone from the address bar
    expect(problems).toEqual([]);

    // The token lives in this tab only: a new tab of the same browser is signed out.
    const other = await context.newPage();
    await other.goto(url);
    await other.waitForSelector('#sign-in-panel:not(.hidden)');
    await context.close();
  }, 60_000);

  it('shows the reason when the password is wrong, and signs out', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(url);
    await page.locator('#sign-in').click();
    await page.waitForURL(/\/oauth2\/v2\.0\/authorize/);
    await page.fill('#username', sim.signIn.users[1]!.username);
    await page.fill('#password', 'wrong');
    await page.locator('#sign-in').click();
    expect(await page.textContent('#error')).toContain('AADSTS50126');
    await page.fill('#password', sim.signIn.users[1]!.password);
    await page.locator('#sign-in').click();
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 15_000 });
    expect(await page.textContent('#signed-in-as')).toBe('Provision Reader');
    await page.locator('#sign-out').click();
    await page.waitForSelector('#sign-in-panel:not(.hidden)');
    await context.close();
  }, 60_000);
});

describe.skipIf(hasChromium)('the dashboard in headless Chromium', () => {
  it.skip(`needs ${CHROMIUM} (apt-get install chromium); the same flow is covered without a browser by dashboard.test.ts`, () => {});
});
