import type { Command } from 'commander';
import type { CliIo } from '../io.ts';
import type { ExprOptions } from './expr-run.ts';

/**
 * `provision expr --expression '<expr>' --attributes '<json>'` — the Entra portal's "test
 * expression": prints the result as JSON (a string, an array, true/false, null, or
 * `{"ignored": true}` when IgnoreFlowIfNullOrEmpty drops the attribute).
 */
export function registerExprCommand(program: Command, io: CliIo): void {
  program
    .command('expr')
    .description(
      'evaluate an attribute-mapping expression against a user, as the Entra portal\'s "test expression" does',
    )
    .requiredOption('-e, --expression <expression>', "the expression, e.g. 'Mid([userPrincipalName], 1, 8)'")
    .option('-a, --attributes <json>', 'the source attributes as a JSON object', '{}')
    .option('--now <iso-date>', 'the time Now() returns (default: the current time)')
    .action(async (options: ExprOptions) => {
      // Loaded on use, so that other commands don't pay for the expression engine at start.
      const { runExpr } = await import('./expr-run.ts');
      io.stdout(`${runExpr(options)}\n`);
    });
}
