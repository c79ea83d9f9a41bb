import type { Command } from 'commander';
import { callService, errorMessage } from '../http.ts';
import { CliExit, type CliIo, EXIT, printJson } from '../io.ts';
import { HTTP_PROTOCOLS, SERVICE_URLS } from '../service-urls.ts';
import { SettingsReader } from '../settings.ts';

interface GuardOptions {
  readonly json?: boolean;
  readonly yes?: boolean;
}

/** `provision guard status|release`: the mapper's accidental-deletion guard. */
export function registerGuardCommand(program: Command, io: CliIo): void {
  const guard = program
    .command('guard')
    .description("the mapper's deactivation guard: deactivations held back past DEACTIVATION_GUARD_THRESHOLD");
  const mapperOption = (c: Command) =>
    c
      .option('--mapper-url <url>', 'the mapper, e.g. http://localhost:8082 (env MAPPER_URL)')
      .option('--json', 'print JSON');

  const readStaged = async (mapperUrl: string): Promise<string[]> => {
    const answer = await callService('mapper', `${mapperUrl}/api/deactivation-guard`);
    if (answer.status !== 200) throw new CliExit(EXIT.failed, `error: the mapper answered ${errorMessage(answer)}`);
    const staged = (answer.body as { staged?: unknown }).staged;
    if (!Array.isArray(staged)) throw new CliExit(EXIT.failed, 'error: the mapper answered without a staged list');
    return staged.map(String);
  };
  const mapperUrlOf = (options: GuardOptions): string => {
    const reader = new SettingsReader(options as Record<string, unknown>, io.env);
    const url = reader.url(SERVICE_URLS.mapper, HTTP_PROTOCOLS, true);
    reader.done();
    return url ?? '';
  };

  mapperOption(guard.command('status').description('list the users whose deactivation is held back')).action(
    async (options: GuardOptions) => {
      const staged = await readStaged(mapperUrlOf(options));
      if (options.json) {
        printJson(io, { staged });
        return;
      }
      if (staged.length === 0) {
        io.stdout('The deactivation guard holds nothing back.\n');
        return;
      }
      io.stdout(
        `The deactivation guard holds back ${staged.length} deactivation${staged.length === 1 ? '' : 's'} (Entra user ids):\n` +
          `${staged.map((id) => `  ${id}`).join('\n')}\n` +
          'If these users really left, release them: provision guard release --yes\n',
      );
    },
  );

  mapperOption(
    guard
      .command('release')
      .description('let the held-back deactivations through: the writer deactivates those users in Salesforce')
      .option('--yes', 'really release (without it, only say what would be released)'),
  ).action(async (options: GuardOptions) => {
    const mapperUrl = mapperUrlOf(options);
    if (!options.yes) {
      const staged = await readStaged(mapperUrl);
      if (staged.length === 0) {
        io.stdout('The deactivation guard holds nothing back: nothing to release.\n');
        return;
      }
      throw new CliExit(
        EXIT.invalid,
        `Releasing deactivates ${staged.length} user${staged.length === 1 ? '' : 's'} in Salesforce ` +
          '(`provision guard status` lists them). Run again with --yes to release.',
      );
    }
    const answer = await callService('mapper', `${mapperUrl}/api/deactivation-guard/release`, {
      method: 'POST',
      body: {},
    });
    if (answer.status !== 200) throw new CliExit(EXIT.failed, `error: the mapper answered ${errorMessage(answer)}`);
    const released = Number((answer.body as { released?: unknown }).released ?? 0);
    if (options.json) printJson(io, { released });
    else
      io.stdout(
        `Released ${released} deactivation${released === 1 ? '' : 's'}: the commands are on their way to the writer ` +
          '(follow them with `provision logs --action disable`).\n',
      );
  });
}
