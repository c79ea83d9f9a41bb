import { Command, CommanderError } from 'commander';
import { apiTokenSource } from './api-auth.ts';
import { registerExprCommand } from './commands/expr.ts';
import { registerGuardCommand } from './commands/guard.ts';
import { registerLogsCommand } from './commands/logs.ts';
import { registerMappingCommand } from './commands/mapping.ts';
import { registerProvisionUserCommand } from './commands/provision-user.ts';
import { registerProvisioningCommands } from './commands/provisioning.ts';
import { registerReconcileCommand } from './commands/reconcile.ts';
import { registerRolesCommand } from './commands/roles.ts';
import { registerSalesforceCommand } from './commands/salesforce.ts';
import { registerUserCommand } from './commands/user.ts';
import { useApiToken } from './http.ts';
import { CliExit, type CliIo, EXIT } from './io.ts';

/** The `provision` command with every subcommand; one `register…Command` per file in `commands/`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('provision')
    .description('Provision: Entra ID to Salesforce provisioning, from the command line')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)');
  // The services' APIs need an Entra ID token: client credentials from PROVISION_CLIENT_ID/SECRET.
  useApiToken(apiTokenSource(io.env));
  registerExprCommand(program, io);
  registerMappingCommand(program, io);
  registerSalesforceCommand(program, io);
  registerRolesCommand(program, io);
  registerProvisionUserCommand(program, io);
  registerLogsCommand(program, io);
  registerGuardCommand(program, io);
  registerProvisioningCommands(program, io);
  registerUserCommand(program, io);
  registerReconcileCommand(program, io);
  return program;
}

/** Runs the CLI on `argv` (without node and script) and resolves to the exit code; never calls process.exit. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CliExit) {
      if (e.message) io.stderr(`${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof CommanderError) {
      // Help and version are successes; every usage error is "bad input".
      return e.exitCode === 0 ? EXIT.ok : EXIT.invalid;
    }
    throw e;
  }
}
