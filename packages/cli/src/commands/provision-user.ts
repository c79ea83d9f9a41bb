import type { Command } from 'commander';
import { graphConfigured, graphOptions, readGraphSettings } from '../graph-settings.ts';
import { callService, errorMessage } from '../http.ts';
import { CliExit, type CliIo, EXIT, printJson } from '../io.ts';
import { type LogEntry, logItems, renderEntry } from '../log-entry.ts';
import { HTTP_PROTOCOLS, SERVICE_URLS } from '../service-urls.ts';
import { SettingsReader } from '../settings.ts';

// The ingestor's own pattern for an Entra object id.
const OBJECT_ID = /^[0-9a-fA-F-]{1,64}$/;
const TIMEOUT = { flag: '--timeout' } as const;
const POLL = { flag: '--poll-interval' } as const;

interface Options {
  readonly json?: boolean;
}

/**
 * `provision provision-user <userId|upn>`: Entra's "Provision on demand" — the ingestor publishes the
 * user's facts now, and the command follows the user's audit entries until the result arrives.
 */
export function registerProvisionUserCommand(program: Command, io: CliIo): void {
  graphOptions(
    program
      .command('provision-user')
      .description(
        'provision one user now (the ingestor reads it from Graph and publishes it), then wait for the result ' +
          'in the provisioning log and print it',
      )
      .argument('<user>', 'the Entra object id, or the userPrincipalName')
      .option('--ingestor-url <url>', 'the ingestor, e.g. http://localhost:8081 (env INGESTOR_URL)')
      .option('--audit-url <url>', 'the audit service, e.g. http://localhost:8080 (env AUDIT_URL, AUDIT_PUBLIC_URL)')
      .option('--timeout <seconds>', 'how long to wait for the result', '60')
      .option('--poll-interval <ms>', 'how often to read the provisioning log', '500')
      .option('--json', 'print the entries as JSON'),
  ).action(async (user: string, options: Options & Record<string, unknown>) => {
    const reader = new SettingsReader(options, io.env);
    const ingestorUrl = reader.url(SERVICE_URLS.ingestor, HTTP_PROTOCOLS, true);
    const auditUrl = reader.url(SERVICE_URLS.audit, HTTP_PROTOCOLS, true);
    const timeoutMs = reader.positive(TIMEOUT, 60) * 1000;
    const pollMs = reader.positive(POLL, 500);
    const isId = OBJECT_ID.test(user);
    if (!isId && !user.includes('@')) {
      throw new CliExit(EXIT.invalid, `error: "${user}" is neither an Entra object id nor a userPrincipalName`);
    }
    const graph =
      !isId && graphConfigured(reader) ? readGraphSettings(reader, 'to look the UPN up in Entra') : undefined;
    reader.done();
    if (!ingestorUrl || !auditUrl) throw new CliExit(EXIT.invalid, 'error: incomplete settings');

    const logsOf = async (userId: string, limit: number): Promise<LogEntry[]> => {
      const url = `${auditUrl}/api/provisioning-logs?userId=${encodeURIComponent(userId)}&limit=${limit}`;
      const answer = await callService('audit service', url);
      if (answer.status !== 200)
        throw new CliExit(EXIT.failed, `error: the audit service answered ${errorMessage(answer)}`);
      return logItems(answer.body);
    };

    const userId = isId ? user.toLowerCase() : await resolveUpn(user, graph, logsOf);
    const earlier = await logsOf(userId, 200);
    const before = new Set(earlier.map((e) => e.commandId));

    const answer = await callService('ingestor', `${ingestorUrl}/api/provision-on-demand`, {
      method: 'POST',
      body: { userId },
    });
    if (answer.status === 404) {
      throw new CliExit(EXIT.failed, `error: ${errorMessage(answer)} — is the user in this tenant?`);
    }
    if (answer.status === 409) {
      throw new CliExit(
        EXIT.failed,
        `error: ${errorMessage(answer)} — \`provision status\` says by whom and why; \`provision resume\` starts it again`,
      );
    }
    if (answer.status !== 200) throw new CliExit(EXIT.failed, `error: the ingestor answered ${errorMessage(answer)}`);
    const published = ((answer.body as { published?: Record<string, number> }).published ?? {}) as Record<
      string,
      number
    >;
    const removed = (answer.body as { removed?: 'soft' | 'hard' }).removed;
    if (!options.json && removed) {
      io.stdout(
        `${user} is not in Entra (${removed === 'soft' ? 'in deleted items' : 'deleted for good'}): published its ` +
          'removal, so a Salesforce user Provision linked to it is deactivated; waiting for the result…\n',
      );
    } else if (!options.json) {
      const facts = Object.entries(published)
        .map(([type, n]) => `${n} ${type}`)
        .join(', ');
      io.stdout(
        `Provisioning ${user}${isId ? '' : ` (${userId})`} on demand: published ${facts || 'nothing'}; waiting for the result…\n`,
      );
    }

    const deadline = Date.now() + timeoutMs;
    // An entry the continuous sync made for this user may come before the on-demand one: once all
    // new entries are complete, wait a little longer for an on-demand entry unless one is there.
    const settleMs = Math.max(1000, 4 * pollMs);
    let fresh: LogEntry[] = [];
    let changedAt = Date.now();
    for (;;) {
      const next = (await logsOf(userId, 50)).filter((e) => !before.has(e.commandId)).reverse();
      if (
        next.map((e) => `${e.commandId}:${e.status}`).join() !== fresh.map((e) => `${e.commandId}:${e.status}`).join()
      ) {
        changedAt = Date.now();
      }
      fresh = next;
      const complete = fresh.length > 0 && fresh.every((e) => e.status !== 'pending');
      if (complete && (fresh.some((e) => e.origin === 'on-demand') || Date.now() - changedAt >= settleMs)) break;
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    const done = fresh.filter((e) => e.status !== 'pending');
    if (options.json)
      printJson(io, { userId, published, entries: fresh, timedOut: done.length < fresh.length || fresh.length === 0 });
    else for (const entry of done) io.stdout(renderEntry(entry));
    if (fresh.length === 0) {
      // The user's state as the log last recorded it, which is often the answer (already in step).
      const latest = earlier.find((e) => e.status !== 'pending');
      if (latest && !options.json) io.stdout(`No new entry; the latest one for this user:\n${renderEntry(latest)}`);
      throw new CliExit(
        EXIT.failed,
        `error: no provisioning log entry for ${userId} within ${timeoutMs / 1000} s. When Salesforce already holds ` +
          'what Entra wants, the mapper issues no command (nothing to change); otherwise check the mapper and writer ' +
          '(`provision logs --user …`, their /readyz, the quarantine in the audit sync status).',
      );
    }
    if (done.length < fresh.length) {
      throw new CliExit(
        EXIT.failed,
        `error: a command was issued for ${userId} but no result arrived within ${timeoutMs / 1000} s: the writer may be ` +
          'busy, stopped or quarantined (see the audit sync status); `provision logs --user …` shows it later.',
      );
    }
    if (done.some((e) => e.status === 'failure')) throw new CliExit(EXIT.failed);
  });
}

async function resolveUpn(
  upn: string,
  graph: ReturnType<typeof readGraphSettings>,
  logsOf: (userId: string, limit: number) => Promise<LogEntry[]>,
): Promise<string> {
  if (graph) {
    const { createGraphClient } = await import('@provision/graph');
    try {
      const found = (await createGraphClient(graph)
        .api(`/users/${encodeURIComponent(upn)}`)
        .select('id')
        .get()) as {
        id: string;
      };
      return found.id.toLowerCase();
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 404) throw new CliExit(EXIT.failed, `error: Entra has no user ${upn}`);
      throw new CliExit(EXIT.failed, `error: cannot look ${upn} up in Graph: ${(error as Error).message}`);
    }
  }
  const [latest] = await logsOf(upn, 1);
  if (latest) return latest.sourceIdentity.id.toLowerCase();
  throw new CliExit(
    EXIT.invalid,
    `error: cannot find the object id of ${upn}: the provisioning log has no entry for it and no Graph settings are given ` +
      '(--graph-tenant-id, --graph-client-id, --graph-client-secret or GRAPH_*). Pass the object id instead.',
  );
}
