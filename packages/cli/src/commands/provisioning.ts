import type { Command } from 'commander';
import { callService, errorMessage, type ServiceAnswer } from '../http.ts';
import { CliExit, type CliIo, EXIT, printJson } from '../io.ts';
import { HTTP_PROTOCOLS, SERVICE_URLS } from '../service-urls.ts';
import { SettingsReader } from '../settings.ts';

interface Options {
  readonly json?: boolean;
  readonly yes?: boolean;
  readonly reason?: string;
}

interface Initiator {
  readonly kind?: string;
  readonly id?: string;
  readonly name?: string;
}

interface PauseState {
  readonly since: string;
  readonly by: Initiator;
  readonly reason: string | null;
}

/** What a restart clears and what it keeps (docs/operations.md "Pause, resume and restart"). */
export const RESTART_CLEARS =
  "the ingestor's delta cursors, its snapshot of the app's assignments and the mark of the round in progress " +
  '(the next round is a full sync of every user, group and assignment), and the writers’ quarantine';
export const RESTART_KEEPS =
  'the links to Salesforce users, the mapper’s pictures, the group index, the Graph subscriptions, the pause, ' +
  'the deactivation guard and the provisioning log';

const who = (by: Initiator | undefined) => by?.name ?? by?.id ?? 'someone';

/** One line for a pause: since when, by whom, why. */
export function describePause(pause: PauseState): string {
  return `paused since ${pause.since} by ${who(pause.by)}${pause.reason ? `: ${pause.reason}` : ' (no reason given)'}`;
}

/** The error for a refused call: the service's message, and the app role the command needs. */
function refused(service: string, answer: ServiceAnswer, command: string, role: string): CliExit {
  const needs = answer.status === 401 || answer.status === 403 ? ` (\`provision ${command}\` needs ${role})` : '';
  return new CliExit(EXIT.failed, `error: the ${service} answered ${errorMessage(answer)}${needs}`);
}

/**
 * `provision status`, `pause`, `resume`, `restart` and `quarantine clear`: Entra's "Stop", "Start"
 * and "Restart provisioning" and the writers' quarantine clear, through the ingestor's API
 * (Provision.Read to look, Provision.Operate to act), as the console's Operations page does.
 */
export function registerProvisioningCommands(program: Command, io: CliIo): void {
  const ingestorOption = (c: Command) =>
    c
      .option('--ingestor-url <url>', 'the ingestor, e.g. http://localhost:8081 (env INGESTOR_URL)')
      .option('--json', 'print JSON');
  const ingestorUrlOf = (options: Options): string => {
    const reader = new SettingsReader(options as Record<string, unknown>, io.env);
    const url = reader.url(SERVICE_URLS.ingestor, HTTP_PROTOCOLS, true);
    reader.done();
    return url ?? '';
  };
  const post = async (options: Options, path: string, body: unknown, command: string) => {
    const answer = await callService('ingestor', `${ingestorUrlOf(options)}${path}`, { method: 'POST', body });
    if (answer.status !== 200) throw refused('ingestor', answer, command, 'Provision.Operate');
    return answer.body as Record<string, unknown>;
  };

  ingestorOption(
    program.command('status').description('whether provisioning is paused, by whom, since when and why'),
  ).action(async (options: Options) => {
    const answer = await callService('ingestor', `${ingestorUrlOf(options)}/api/provisioning`);
    if (answer.status !== 200) throw refused('ingestor', answer, 'status', 'Provision.Read');
    const paused = (answer.body as { paused?: PauseState | null }).paused ?? null;
    if (options.json) printJson(io, { paused });
    else
      io.stdout(
        paused
          ? `Provisioning is ${describePause(paused)}. Resume it with: provision resume\n`
          : 'Provisioning is running.\n',
      );
  });

  ingestorOption(
    program
      .command('pause')
      .description('stop provisioning: the ingestor reads nothing from Graph, the writers send nothing to Salesforce')
      .option('--reason <text>', 'why (shown in the console and the status; up to 500 characters)'),
  ).action(async (options: Options) => {
    const reason = options.reason?.trim();
    if (reason !== undefined && [...reason].length > 500)
      throw new CliExit(EXIT.invalid, 'error: --reason: expected at most 500 characters');
    const answer = await post(options, '/api/provisioning/pause', reason ? { reason } : {}, 'pause');
    const paused = answer['paused'] as PauseState;
    if (options.json) printJson(io, answer);
    else
      io.stdout(
        `Provisioning is ${describePause(paused)}. Changes in Entra wait (nothing is lost) until: provision resume\n`,
      );
  });

  ingestorOption(
    program.command('resume').description('start provisioning again: it catches up from where it paused'),
  ).action(async (options: Options) => {
    const answer = await post(options, '/api/provisioning/resume', {}, 'resume');
    const ended = (answer['ended'] ?? null) as PauseState | null;
    if (options.json) printJson(io, answer);
    else if (ended === null) io.stdout('Provisioning was not paused: nothing to resume.\n');
    else
      io.stdout(
        `Resumed provisioning (${describePause(ended)}): the ingestor catches up from its delta cursors and the ` +
          'writers send what they held.\n',
      );
  });

  ingestorOption(
    program
      .command('restart')
      .description('restart provisioning: clear the delta cursors and run a full sync (asks for --yes)')
      .option('--yes', 'really restart (without it, only say what a restart clears and keeps)'),
  ).action(async (options: Options) => {
    if (!options.yes) {
      ingestorUrlOf(options);
      throw new CliExit(
        EXIT.invalid,
        `Restarting clears ${RESTART_CLEARS}.\nIt keeps ${RESTART_KEEPS}.\nRun again with --yes to restart.`,
      );
    }
    const answer = await post(options, '/api/provisioning/restart', {}, 'restart');
    if (options.json) {
      printJson(io, answer);
      return;
    }
    const lifted = answer['quarantineLifted'] ? " and lifted the writers' quarantine" : '';
    io.stdout(
      `Restarted provisioning: cleared the delta cursors and the assignment snapshot${lifted}; ` +
        `${answer['fullSync'] === 'after-resume' ? 'provisioning is paused: the full sync runs at `provision resume`' : 'a full sync runs now'}. ` +
        `Kept ${RESTART_KEEPS}.\n`,
    );
  });

  const quarantine = program.command('quarantine').description("the writers' quarantine (Salesforce kept failing)");
  ingestorOption(
    quarantine
      .command('clear')
      .description("lift the writers' quarantine now: each writer probes Salesforce with its next batch"),
  ).action(async (options: Options) => {
    const answer = await post(options, '/api/writer-quarantine/clear', {}, 'quarantine clear');
    const lifted = answer['lifted'] as Record<string, unknown> | null;
    if (options.json) printJson(io, answer);
    else if (lifted === null) io.stdout('No writer was quarantined; the clear is recorded all the same.\n');
    else
      io.stdout(
        `Lifted the writers' quarantine${typeof lifted['code'] === 'string' ? ` (${lifted['code']})` : ''}: ` +
          'each writer probes Salesforce with its next batch, and is quarantined again if it still fails.\n',
      );
  });
}
