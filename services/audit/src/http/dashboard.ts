import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AuthConfig, authorityOf } from '@provision/auth';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONSOLE_BUILD_DIR } from './console-files.ts';

/** Where the dashboard signs in: the tenant's authority, its client id and the API scope it asks for. */
export interface DashboardSignIn {
  /** `https://<authority host>/<tenant id>` */
  readonly authority: string;
  readonly clientId: string;
  readonly scope: string;
}

const CLIENT_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * Where the dashboard signs in, from the configuration: the dashboard's client id (by default the
 * API's own, when AUTH_AUDIENCE names one) and its scope. Null when no client id can be told.
 */
export function dashboardSignInFrom(
  config: AuthConfig & {
    AUTH_DASHBOARD_CLIENT_ID?: string | undefined;
    AUTH_DASHBOARD_SCOPE?: string | undefined;
    AUTH_DASHBOARD_AUTHORITY?: string | undefined;
  },
): DashboardSignIn | null {
  const clientId = config.AUTH_DASHBOARD_CLIENT_ID ?? config.AUTH_AUDIENCE.find((a) => CLIENT_ID.test(a));
  if (!clientId) return null;
  return {
    authority: config.AUTH_DASHBOARD_AUTHORITY?.replace(/\/+$/, '') ?? authorityOf(config),
    clientId,
    scope: config.AUTH_DASHBOARD_SCOPE ?? `api://${clientId}/access_as_user`,
  };
}

// The console's build (web/build/, committed): one page for every route, one script, one stylesheet.
const FILES = {
  html: join(CONSOLE_BUILD_DIR, 'index.html'),
  js: join(CONSOLE_BUILD_DIR, 'dashboard.js'),
  css: join(CONSOLE_BUILD_DIR, 'dashboard.css'),
};

/** The console's pages: the app routes in the browser, the audit answers each with the same page. */
export const CONSOLE_PAGES = ['/', '/logs', '/operations', '/mapping', '/users/:userId'] as const;

const attribute = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The admin console (built from web/): the same static page for each of its routes (deep links such
 * as `/logs?user=…` and `/users/<id>` load it, and it shows what the address says), its script and
 * its style, open (a browser cannot send a bearer token with a navigation; the page holds no data,
 * everything it shows comes from the protected API). Its CSP allows scripts and styles from this
 * origin only — no inline code — and network calls to this origin and the authority's token endpoint.
 */
export function registerDashboard(app: FastifyInstance, signIn: DashboardSignIn | null): void {
  const connect = signIn ? ` ${new URL(signIn.authority).origin}` : '';
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self'${connect}`,
    "form-action 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  const config = attribute(JSON.stringify(signIn));
  const page = async (_request: FastifyRequest, reply: FastifyReply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', csp)
      .header('cache-control', 'no-store')
      .send((await readFile(FILES.html, 'utf8')).replace('{{AUTH_CONFIG}}', config));
  for (const path of CONSOLE_PAGES) app.get(path, page);
  // Browsers ask for it; no icon, and no 404 in the console.
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());
  app.get('/dashboard.js', async (_request, reply) =>
    reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(await readFile(FILES.js, 'utf8')),
  );
  app.get('/dashboard.css', async (_request, reply) =>
    reply
      .header('content-type', 'text/css; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(await readFile(FILES.css, 'utf8')),
  );
}
