import type { Command } from 'commander';
import { withDeadline } from '../deadline.ts';
import { graphOptions, readGraphSettings } from '../graph-settings.ts';
import { callService, errorMessage } from '../http.ts';
import { CliExit, type CliIo, EXIT, printJson } from '../io.ts';
import { readSalesforceSettings, salesforceOptions } from '../salesforce-settings.ts';
import { HTTP_PROTOCOLS, SERVICE_URLS } from '../service-urls.ts';
import { SettingsReader } from '../settings.ts';
import { loadConfigOrExit } from './mapping.ts';

const LINK_FIELD = { flag: '--link-field' } as const;
const MAPPING = { flag: '--mapping', env: ['MAPPING_FILE'] } as const;
const MAX = { flag: '--max' } as const;
const TIMEOUT = { flag: '--timeout' } as const;

interface Options {
  readonly sandbox?: boolean;
  readonly apply?: boolean;
  readonly json?: boolean;
}

/** A Salesforce user that carries the link to an Entra user Entra no longer lists. */
export interface Orphan {
  readonly salesforceId: string;
  readonly username: string;
  readonly entraId: string;
}

/** The linked users whose Entra user is not among `entraIds` (compared case-insensitively). */
export function orphansOf(
  linked: readonly { id: string; username: string; link: string }[],
  entraIds: ReadonlySet<string>,
): Orphan[] {
  return linked
    .filter((u) => !entraIds.has(u.link.toLowerCase()))
    .map((u) => ({ salesforceId: u.id, username: u.username, entraId: u.link.toLowerCase() }))
    .sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
}

/**
 * `provision reconcile`: active Salesforce users whose link field names an Entra user Entra no
 * longer has — users deleted in Entra while Provision could not see it (its Redis was lost before
 * the deletion was read). With `--apply`, each is provisioned on demand: the ingestor publishes
 * its removal and the writer deactivates the user its link finds, logged like any deactivation.
 */
export function registerReconcileCommand(program: Command, io: CliIo): void {
  graphOptions(
    salesforceOptions(
      program
        .command('reconcile')
        .description(
          'find active Salesforce users linked to Entra users that no longer exist (deleted while Provision ' +
            'lost its memory), and with --apply deactivate them through Provision',
        ),
    ),
  )
    .option('--link-field <field>', "the mapping's link field (default: link.field of --mapping)")
    .option('--mapping <file>', 'the mapping the mapper runs, for its link field (env MAPPING_FILE)')
    .option('--apply', 'deactivate them: provision each on demand through the ingestor')
    .option('--max <n>', 'refuse to apply to more users than this (a guard against a wrong tenant)', '100')
    .option('--ingestor-url <url>', 'the ingestor, for --apply (env INGESTOR_URL)')
    .option('--timeout <seconds>', 'give up on Salesforce or Graph when they do not answer', '300')
    .option('--json', 'print the result as JSON')
    .action(async (options: Options & Record<string, unknown>) => {
      const reader = new SettingsReader(options, io.env);
      const salesforce = await readSalesforceSettings(reader, io, options);
      const graph = readGraphSettings(reader, 'to list the Entra users');
      const explicitField = reader.text(LINK_FIELD);
      const mappingFile = explicitField === undefined ? reader.text(MAPPING) : undefined;
      const max = reader.positive(MAX, 100);
      const timeoutMs = reader.positive(TIMEOUT, 300) * 1000;
      const ingestorUrl = reader.url(SERVICE_URLS.ingestor, HTTP_PROTOCOLS, options.apply === true);
      reader.done();
      if (!salesforce || !graph || (options.apply && !ingestorUrl))
        throw new CliExit(EXIT.invalid, 'error: incomplete settings');
      const linkField =
        explicitField ?? (mappingFile ? (await loadConfigOrExit(io, mappingFile)).link?.field : undefined);
      if (!linkField) {
        throw new CliExit(
          EXIT.invalid,
          `error: no link field: ${mappingFile ? `${mappingFile} declares no link.field` : 'give --link-field or --mapping (env MAPPING_FILE)'}. ` +
            'Without the durable link nothing tells a user Provision provisioned from any other (docs/operations.md, "The durable link").',
        );
      }
      const silent = (who: string) => `${who} did not answer within ${timeoutMs / 1000} s`;

      const { JsforceSalesforceGateway } = await import('@provision/salesforce');
      const gateway = new JsforceSalesforceGateway(salesforce.connection);
      let linked: { id: string; username: string; link: string }[];
      try {
        linked = await withDeadline(gateway.linkedActiveUsers(linkField), timeoutMs, silent('Salesforce'));
      } catch (error) {
        throw new CliExit(
          EXIT.failed,
          `error: cannot read the Salesforce users carrying ${linkField}: ${(error as Error).message}\n` +
            '(is it a custom field of User the integration user can read? `provision salesforce test-connection`)',
        );
      } finally {
        await gateway.close();
      }
      let entraIds: Set<string>;
      try {
        entraIds = await withDeadline(listEntraUserIds(graph), timeoutMs, silent('Microsoft Graph'));
      } catch (error) {
        throw new CliExit(EXIT.failed, `error: cannot list the Entra users: ${(error as Error).message}`);
      }
      const orphans = orphansOf(linked, entraIds);

      if (!options.json) {
        io.stdout(
          `Salesforce: ${linked.length} active users carry ${linkField}; Entra: ${entraIds.size} users.\n` +
            (orphans.length === 0
              ? 'No linked Salesforce user is left behind: nothing to do.\n'
              : `${orphans.length} active Salesforce user${orphans.length === 1 ? ' is' : 's are'} linked to an Entra user that no longer exists:\n` +
                orphans.map((o) => `  ${o.username}  (Salesforce ${o.salesforceId}, Entra ${o.entraId})\n`).join('')),
        );
      }
      if (!options.apply || orphans.length === 0) {
        if (options.json) printJson(io, { linkField, linked: linked.length, entraUsers: entraIds.size, orphans });
        else if (orphans.length > 0) io.stdout('Run again with --apply to deactivate them through Provision.\n');
        return;
      }
      if (orphans.length > max) {
        throw new CliExit(
          EXIT.failed,
          `error: ${orphans.length} users would be deactivated, more than --max ${max}: check that Salesforce and ` +
            'Graph are the org and tenant Provision connects, then raise --max',
        );
      }
      const applied: { entraId: string; removed: string | null }[] = [];
      for (const orphan of orphans) {
        const answer = await askOnDemand(`${ingestorUrl}/api/provision-on-demand`, orphan.entraId);
        applied.push({ entraId: orphan.entraId, removed: answer });
        if (!options.json)
          io.stdout(
            `  ${orphan.username}: removal published (${answer ?? 'still in Entra: its facts were published'})\n`,
          );
      }
      if (options.json)
        printJson(io, { linkField, linked: linked.length, entraUsers: entraIds.size, orphans, applied });
      else
        io.stdout(
          `Published ${applied.length} removal${applied.length === 1 ? '' : 's'}: \`provision logs --action disable\` shows the deactivations.\n`,
        );
    });
}

/** Every Entra user id (lower case), from `/users` paged 999 at a time. */
async function listEntraUserIds(graph: NonNullable<ReturnType<typeof readGraphSettings>>): Promise<Set<string>> {
  const { createGraphClient } = await import('@provision/graph');
  const client = createGraphClient(graph);
  const ids = new Set<string>();
  let request = client.api('/users').select('id').top(999);
  for (;;) {
    const page = (await request.get()) as { value?: { id: string }[]; '@odata.nextLink'?: string };
    for (const user of page.value ?? []) ids.add(user.id.toLowerCase());
    const next = page['@odata.nextLink'];
    if (!next) return ids;
    request = client.api(next);
  }
}

/**
 * One on-demand request asking for the removal of a user gone from Entra (`deprovisionIfGone`),
 * waiting out the ingestor's rate limit; the removal it published, if any.
 */
async function askOnDemand(url: string, userId: string): Promise<string | null> {
  for (;;) {
    const answer = await callService('ingestor', url, { method: 'POST', body: { userId, deprovisionIfGone: true } });
    if (answer.status === 429) {
      const seconds = Number(answer.headers.get('retry-after') ?? 2);
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Number.isFinite(seconds) ? seconds : 2) * 1000));
      continue;
    }
    if (answer.status !== 200) throw new CliExit(EXIT.failed, `error: the ingestor answered ${errorMessage(answer)}`);
    return (answer.body as { removed?: string }).removed ?? null;
  }
}
