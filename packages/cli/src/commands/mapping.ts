import type { MappingConfig } from '@provision/mapping';
import type { Command } from 'commander';
import { CliExit, type CliIo, EXIT } from '../io.ts';

/** `provision mapping check <file>`, `provision mapping default` and `provision mapping decide <input>`. */
export function registerMappingCommand(program: Command, io: CliIo): void {
  const mapping = program.command('mapping').description('work with mapping configurations (YAML or JSON)');
  mapping
    .command('check')
    .description('validate a mapping file and print every problem with its location')
    .argument('<file>', 'the mapping configuration, YAML or JSON')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const { formatProblem, parseMappingConfig } = await mappingPackage();
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
    .command('decide')
    .description('print the provisioning decision for one user (a JSON file: {"user", "assignments", "current"})')
    .argument(
      '<input>',
      'the user picture as JSON: user {id, attributes, memberOf, isSoftDeleted}, assignments, current',
    )
    .option('-c, --config <file>', 'the mapping configuration (default: the default mapping)')
    .option('--now <iso-date>', 'the time Now() returns (default: the current time)')
    .action(async (input: string, options: { config?: string; now?: string }) => {
      const { decide, defaultMappingConfig } = await mappingPackage();
      const { parseDecideInput } = await import('./mapping-decide.ts');
      const config = options.config ? await loadConfigOrExit(io, options.config) : defaultMappingConfig();
      const picture = parseDecideInput(await readOrExit(io, input), input);
      const now = options.now === undefined ? undefined : new Date(options.now);
      if (now && Number.isNaN(now.getTime()))
        throw new CliExit(EXIT.invalid, `error: --now: "${options.now}" is not a date`);
      const decision = decide(picture.user, picture.assignments, picture.current, config, {
        ...(picture.granted ? { granted: picture.granted } : {}),
        ...(now ? { expression: { now: () => now } } : {}),
      });
      io.stdout(`${JSON.stringify(decision, null, 2)}\n`);
    });
  mapping
    .command('default')
    .description("print the default mapping (Entra's Salesforce default) as YAML, to copy and edit")
    .action(async () => {
      io.stdout((await mappingPackage()).DEFAULT_MAPPING_YAML);
    });
}

// Loaded on use, so that `provision expr` doesn't pay for the mapping engine at start.
const mappingPackage = () => import('@provision/mapping');

export async function loadConfigOrExit(io: CliIo, file: string): Promise<MappingConfig> {
  const { formatProblem, parseMappingConfig } = await mappingPackage();
  const result = parseMappingConfig(await readOrExit(io, file));
  if (result.ok) return result.config;
  for (const p of result.problems) io.stderr(`${file}: ${formatProblem(p)}\n`);
  throw new CliExit(EXIT.invalid, `error: ${file} is not a valid mapping configuration`);
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
    `deprovisioning ${config.deprovisioning.action}${config.deprovisioning.deactivateAfterDays === undefined ? '' : ` (after ${config.deprovisioning.deactivateAfterDays} days)`}`,
    `${plural(config.roleRules.length, 'role rule')}${config.roleRules.length > 0 ? ` (${config.entitlementModes.role})` : ''}`,
    withMode(plural(config.permissionSetRules.length, 'permission-set rule'), config.entitlementModes.permissionSets),
    `${plural(config.groupMembershipRules.length, 'group membership rule')}${config.groupMembershipRules.length > 0 ? ` (${config.entitlementModes.groupMembership})` : ''}`,
    `${plural(config.featureLicenseRules.length, 'feature licence rule')}${config.featureLicenseRules.length > 0 ? ` (${config.entitlementModes.featureLicense})` : ''}`,
    withMode(
      plural(config.permissionSetGroupRules.length, 'permission set group rule'),
      config.entitlementModes.permissionSetGroups,
    ),
    withMode(
      plural(config.permissionSetLicenseRules.length, 'permission set licence rule'),
      config.entitlementModes.permissionSetLicenses,
    ),
  ].join(', ');
}

/** A count of rules with its entitlement mode, when that is not the default (merge). */
function withMode(count: string, mode: string): string {
  return mode === 'authoritative' ? `${count} (authoritative)` : count;
}
