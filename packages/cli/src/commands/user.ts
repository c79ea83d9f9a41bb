import type { LookupAttempt, SalesforceUserRead, SalesforceUserRecord } from '@provision/salesforce';
import type { Command } from 'commander';
import { callService, errorMessage, errorOf } from '../http.ts';
import { CliExit, type CliIo, EXIT, printJson } from '../io.ts';
import { HTTP_PROTOCOLS, SERVICE_URLS } from '../service-urls.ts';
import { SettingsReader } from '../settings.ts';

// The writer's own pattern for an Entra object id.
const OBJECT_ID = /^[0-9a-fA-F-]{1,64}$/;

interface Options {
  readonly salesforce?: boolean;
  readonly matchAttribute?: string;
  readonly matchValue?: string;
  readonly json?: boolean;
}

const show = (v: unknown) => (v === null || v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));
const tried = (attempts: readonly LookupAttempt[]) =>
  attempts.map((a) => `  ${a.by}: ${a.attribute} = ${a.value} → ${a.found.length === 0 ? 'none' : a.found.join(', ')}`);

/**
 * `provision user <id> --salesforce`: the user's record as Salesforce holds it now, read by the
 * writer (`GET /api/salesforce-users/:id`, Provision.Read) as it finds a command's user.
 */
export function registerUserCommand(program: Command, io: CliIo): void {
  program
    .command('user')
    .description('one Entra user as a service sees it: --salesforce, the live Salesforce record the writer finds')
    .argument('<userId>', 'the Entra object id')
    .option('--salesforce', 'the live Salesforce record, read by the writer')
    .option('--match-attribute <field>', 'also search by this matching attribute (one the mapping matches by)')
    .option('--match-value <value>', 'the value to search --match-attribute for')
    .option('--writer-url <url>', 'the writer, e.g. http://localhost:8083 (env WRITER_URL)')
    .option('--json', 'print JSON')
    .action(async (userId: string, options: Options & Record<string, unknown>) => {
      const reader = new SettingsReader(options, io.env);
      const writerUrl = reader.url(SERVICE_URLS.writer, HTTP_PROTOCOLS, options.salesforce === true);
      reader.done();
      if (!options.salesforce) throw new CliExit(EXIT.invalid, 'error: say what to show: --salesforce');
      if (!OBJECT_ID.test(userId)) throw new CliExit(EXIT.invalid, `error: "${userId}" is not an Entra object id`);
      if ((options.matchAttribute === undefined) !== (options.matchValue === undefined))
        throw new CliExit(EXIT.invalid, 'error: --match-attribute and --match-value go together');
      const query = new URLSearchParams();
      if (options.matchAttribute !== undefined && options.matchValue !== undefined) {
        query.set('matchAttribute', options.matchAttribute);
        query.set('matchValue', options.matchValue);
      }
      const id = encodeURIComponent(userId.toLowerCase());
      const answer = await callService(
        'writer',
        `${writerUrl}/api/salesforce-users/${id}${query.size > 0 ? `?${query}` : ''}`,
      );
      const body = answer.body as Partial<SalesforceUserRead>;
      if (answer.status === 200 && body.salesforce) {
        if (options.json) printJson(io, answer.body);
        else io.stdout(renderRecord(body.salesforce, body.foundBy ?? '?'));
        return;
      }
      // A writer without AUTH_* registers no API route: a 404 without the lookup's `reason`.
      const details = errorOf(answer)?.details ?? {};
      if (answer.status === 404 && details['reason'] === undefined)
        throw new CliExit(
          EXIT.failed,
          `error: the writer at ${writerUrl} serves no Salesforce read: it needs the AUTH_* variables (docs/security.md)`,
        );
      if (options.json && (answer.status === 404 || answer.status === 409)) printJson(io, answer.body);
      const searched = details['tried'];
      const search =
        Array.isArray(searched) && searched.length > 0
          ? `\nsearched:\n${tried(searched as LookupAttempt[]).join('\n')}`
          : '';
      if (answer.status === 404) throw new CliExit(EXIT.failed, `error: ${errorMessage(answer)}${search}`);
      if (answer.status === 409)
        throw new CliExit(EXIT.failed, `error: ${errorMessage(answer)} — several Salesforce users match${search}`);
      if (answer.status === 401 || answer.status === 403)
        throw new CliExit(
          EXIT.failed,
          `error: the writer answered ${errorMessage(answer)} (\`provision user --salesforce\` needs Provision.Read)`,
        );
      throw new CliExit(EXIT.failed, `error: the writer answered ${errorMessage(answer)}`);
    });
}

function groupLines(groups: SalesforceUserRecord['groupMemberships']): string[] {
  if (groups === undefined) return [];
  if (groups === null) return ['  public groups: (unknown)', '  queues: (unknown)'];
  return [
    `  public groups: ${groups.publicGroups.join(', ') || '(none)'}`,
    `  queues: ${groups.queues.join(', ') || '(none)'}`,
  ];
}

function namedLine(label: string, names: readonly string[] | null | undefined): string[] {
  if (names === undefined) return [];
  return [`  ${label}: ${names === null ? '(unknown)' : names.join(', ') || '(none)'}`];
}

function renderRecord(user: SalesforceUserRecord, foundBy: string): string {
  const lines = [
    `Salesforce user ${user.id} (found by ${foundBy})`,
    `  Username: ${show(user.username)}`,
    `  active: ${show(user.isActive)}`,
    `  profile: ${show(user.profileName)}`,
    `  role: ${show(user.userRole)}`,
    `  permission sets: ${user.permissionSets === null ? '(unknown)' : user.permissionSets.join(', ') || '(none)'}`,
    ...groupLines(user.groupMemberships),
    ...namedLine('permission set groups', user.permissionSetGroups),
    ...namedLine('permission set licences', user.permissionSetLicenses),
    `  last modified: ${show(user.lastModifiedDate)}`,
    '  fields:',
    ...Object.entries(user.fields).map(([name, value]) => `    ${name}: ${show(value)}`),
  ];
  return `${lines.join('\n')}\n`;
}
