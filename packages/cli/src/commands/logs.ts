import type { Command } from 'commander';
import { callService, errorMessage } from '../http.ts';
import { CliExit, type CliIo, EXIT, printJson } from '../io.ts';
import { type LogEntry, logItems } from '../log-entry.ts';
import { HTTP_PROTOCOLS, SERVICE_URLS } from '../service-urls.ts';
import { SettingsReader } from '../settings.ts';

interface LogsOptions {
  readonly status?: string;
  readonly action?: string;
  readonly user?: string;
  readonly errorCode?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit?: string;
  readonly cursor?: string;
  readonly csv?: boolean;
  readonly json?: boolean;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since 2h` / `--since 2026-11-26T10:00:00Z` → an ISO timestamp; undefined when malformed. */
export function parseSince(text: string, now: Date): string | undefined {
  const relative = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (relative) return new Date(now.getTime() - Number(relative[1]) * (UNITS[relative[2]!] ?? 0)).toISOString();
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** `provision logs`: the provisioning log from the audit API, as a table, JSON or CSV. */
export function registerLogsCommand(program: Command, io: CliIo): void {
  program
    .command('logs')
    .description('read the provisioning log (newest first) from the audit service')
    .option('--audit-url <url>', 'the audit service, e.g. http://localhost:8080 (env AUDIT_URL, AUDIT_PUBLIC_URL)')
    .option('--status <status>', 'success, failure, skipped, warning or pending (comma-separated)')
    .option('--action <action>', 'create, update, disable, reactivate or skip (comma-separated)')
    .option('--user <user>', 'one user: Entra object id or userPrincipalName')
    .option('--error-code <code>', 'e.g. SalesforceDuplicateUserName')
    .option('--since <when>', 'an ISO date or time, or a duration back from now: 30m, 2h, 7d')
    .option('--until <when>', 'an ISO date or time')
    .option('--limit <n>', 'entries per page (1–1000; CSV up to 100,000)')
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .option('--csv', 'print CSV (the audit export)')
    .option('--json', 'print the entries as JSON')
    .action(async (options: LogsOptions) => {
      const reader = new SettingsReader(options as Record<string, unknown>, io.env);
      const auditUrl = reader.url(SERVICE_URLS.audit, HTTP_PROTOCOLS, true);
      const query = new URLSearchParams();
      const add = (name: string, value: string | undefined) => {
        if (value !== undefined && value !== '') query.set(name, value);
      };
      add('status', options.status);
      add('action', options.action);
      add('userId', options.user);
      add('errorCode', options.errorCode);
      for (const [flag, name, text] of [
        ['--since', 'from', options.since],
        ['--until', 'to', options.until],
      ] as const) {
        if (text === undefined) continue;
        const at = parseSince(text, new Date());
        if (at === undefined)
          reader.problem({ flag }, 'expected an ISO date or time, or a duration such as 30m, 2h, 7d');
        add(name, at);
      }
      if (options.limit !== undefined && !/^\d+$/.test(options.limit))
        reader.problem({ flag: '--limit' }, 'expected a whole number');
      add('limit', options.limit);
      add('cursor', options.cursor);
      if (options.csv && options.json) reader.problem({ flag: '--csv' }, 'cannot be combined with --json');
      if (options.csv) query.set('format', 'csv');
      reader.done();
      const answer = await callService('audit service', `${auditUrl}/api/provisioning-logs?${query}`);
      if (answer.status === 400)
        throw new CliExit(EXIT.invalid, `error: the audit service refused the query: ${errorMessage(answer)}`);
      if (answer.status !== 200)
        throw new CliExit(EXIT.failed, `error: the audit service answered ${errorMessage(answer)}`);
      if (options.csv) {
        io.stdout(answer.text.endsWith('\n') ? answer.text : `${answer.text}\n`);
        const next = answer.headers.get('x-next-cursor');
        if (next) io.stderr(`more entries: --cursor ${next}\n`);
        return;
      }
      const items = logItems(answer.body);
      const nextCursor = (answer.body as { nextCursor?: string | null }).nextCursor ?? null;
      if (options.json) {
        printJson(io, { items, nextCursor });
        return;
      }
      io.stdout(renderTable(items));
      if (nextCursor) io.stdout(`more entries: --cursor ${nextCursor}\n`);
    });
}

/** The entries as an aligned table: time, action, status, user, Salesforce id, error. */
export function renderTable(items: readonly LogEntry[]): string {
  if (items.length === 0) return 'No entries.\n';
  const rows = items.map((e) => [
    e.activityDateTime,
    e.action,
    `${e.status}${e.dryRun ? ' (dry run)' : ''}`,
    e.sourceIdentity.userPrincipalName ?? e.sourceIdentity.id,
    e.targetIdentity?.id ?? '',
    e.errorInfo ? `${e.errorInfo.errorCode}: ${e.errorInfo.reason}` : '',
  ]);
  const header = ['TIME', 'ACTION', 'STATUS', 'USER', 'SALESFORCE ID', 'ERROR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
