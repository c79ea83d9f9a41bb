import { DEFAULT_MAPPING_YAML, formatProblem, type MappingConfig, parseMappingConfig } from '@provision/mapping';
import type { Command } from 'commander';
import { CliExit, type CliIo, EXIT } from '../io.ts';

/** `provision mapping check <file>` and `provision mapping default`. */
export function registerMappingCommand(program: Command, io: CliIo): void {
  const mapping = program.command('mapping').description('work with mapping configurations (YAML or JSON)');
  mapping
    .command('check')
    .description('validate a mapping file and print every problem with its location')
    .argument('<file>', 'the mapping configuration, YAML or JSON')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const text = await readOrExit(io, file);
      const result = parseMappingConfig(text);
      if (options.json) {
        io.stdout(
          `${JSON.stringify(result.ok ? { valid: true, warnings: result.warnings } : { valid: false, problems: result.problems }, null, 2)}\n`,
        );
      } else if (result.ok) {
        for (const w of result.warnings) io.stdout(`${file}: ${formatProblem(w)}\n`);
        io.stdout(`${file}: valid — ${summary(result.config)}\n`);
      } else {
        for (const p of result.problems) io.stdout(`${file}: ${formatProblem(p)}\n`);
        const errors = result.problems.filter((p) => p.severity === 'error').length;
        io.stdout(`${file}: invalid — ${errors} problem${errors === 1 ? '' : 's'}\n`);
      }
      if (!result.ok) throw new CliExit(EXIT.invalid);
    });
  mapping
    .command('default')
    .description("print the default mapping (Entra's Salesforce default) as YAML, to copy and edit")
    .action(() => {
      io.stdout(DEFAULT_MAPPING_YAML);
    });
}

async function readOrExit(io: CliIo, file: string): Promise<string> {
  try {
    return await io.readFile(file);
  } catch (e) {
    throw new CliExit(EXIT.invalid, `error: cannot read ${file}: ${(e as Error).message}`);
  }
}

function summary(config: MappingConfig): string {
  const matching = config.mappings
    .filter((m) => m.matchingPrecedence !== undefined)
    .sort((a, b) => (a.matchingPrecedence ?? 0) - (b.matchingPrecedence ?? 0))
    .map((m) => m.target);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return [
    plural(config.mappings.length, 'mapping'),
    `matching on ${matching.join(', ')}`,
    `scope ${config.scope}`,
    plural(config.scopingFilters.length, 'scoping filter'),
    `deprovisioning ${config.deprovisioning.action}`,
    plural(config.roleRules.length, 'role rule'),
    plural(config.permissionSetRules.length, 'permission-set rule'),
  ].join(', ');
}
