import type { Command } from 'commander';
import { withDeadline } from '../deadline.ts';
import { graphOptions, readGraphSettings } from '../graph-settings.ts';
import { CliExit, type CliIo, EXIT, printJson } from '../io.ts';
import { readSalesforceSettings, salesforceOptions } from '../salesforce-settings.ts';
import { SettingsReader } from '../settings.ts';

/** Entra's implicit role: not a Salesforce profile, never published or removed by the import. */
export const DEFAULT_ACCESS = 'Default Access';

const APPLICATION = { flag: '--application-id', env: ['GRAPH_APPLICATION_ID'] } as const;
const TIMEOUT = { flag: '--timeout' } as const;

interface ImportOptions {
  readonly sandbox?: boolean;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

/** `provision roles import`: the org's profiles become the Entra app's roles (Entra's "import profiles"). */
export function registerRolesCommand(program: Command, io: CliIo): void {
  const roles = program.command('roles').description("the Entra application's app roles (one per Salesforce profile)");
  graphOptions(
    salesforceOptions(
      roles
        .command('import')
        .description(
          "import the Salesforce org's profiles and publish them as the Entra application's app roles; " +
            `"${DEFAULT_ACCESS}" stays Entra's default`,
        ),
    ),
  )
    .option(
      '--application-id <id>',
      'object id of the Entra application (App registrations → Object ID) (env GRAPH_APPLICATION_ID)',
    )
    .option('--dry-run', 'show what would be added, updated, kept and removed, without writing')
    .option('--timeout <seconds>', 'give up on Salesforce or Graph when they do not answer', '60')
    .option('--json', 'print the result as JSON')
    .action(async (options: ImportOptions & Record<string, unknown>) => {
      const reader = new SettingsReader(options, io.env);
      const salesforce = await readSalesforceSettings(reader, io, options);
      const graph = readGraphSettings(reader, 'to publish the roles');
      const applicationId = reader.text(APPLICATION, 'to publish the roles');
      const timeoutMs = reader.positive(TIMEOUT, 60) * 1000;
      reader.done();
      const silent = (who: string) => `${who} did not answer within ${timeoutMs / 1000} s`;
      if (!salesforce || !graph || !applicationId) throw new CliExit(EXIT.invalid, 'error: incomplete settings');

      const { JsforceSalesforceGateway } = await import('@provision/salesforce');
      const { createGraphClient, GraphAppRolePublisher, planAppRoles } = await import('@provision/graph');
      const gateway = new JsforceSalesforceGateway(salesforce.connection);
      let profiles: Awaited<ReturnType<typeof gateway.listProfiles>>;
      try {
        profiles = await withDeadline(gateway.listProfiles(), timeoutMs, silent('Salesforce'));
      } catch (error) {
        throw new CliExit(
          EXIT.failed,
          `error: cannot read the Salesforce profiles: ${(error as Error).message}\n(run \`provision salesforce test-connection\` to find out why)`,
        );
      } finally {
        await gateway.close();
      }
      const desired = profiles
        .filter((p) => p.name !== DEFAULT_ACCESS)
        // No description: a role that already offers the profile keeps its own (and counts as kept).
        .map((p) => ({ value: p.name, displayName: p.name }));
      const publisher = new GraphAppRolePublisher(createGraphClient(graph), applicationId);
      let outcome: { added: readonly string[]; updated: readonly string[]; removed: readonly string[] };
      try {
        outcome = await withDeadline(
          options.dryRun ? publisher.roles().then((roles) => planAppRoles(roles, desired)) : publisher.publish(desired),
          timeoutMs,
          silent('Microsoft Graph'),
        );
      } catch (error) {
        throw new CliExit(EXIT.failed, `error: ${(error as Error).message}`);
      }
      const changed = new Set([...outcome.added, ...outcome.updated]);
      const kept = desired.map((d) => d.value).filter((v) => !changed.has(v));
      const summary = {
        dryRun: options.dryRun === true,
        profiles: desired.length,
        added: [...outcome.added],
        updated: [...outcome.updated],
        kept,
        removed: [...outcome.removed],
      };
      if (options.json) {
        printJson(io, summary);
        return;
      }
      const verb = options.dryRun ? 'would be ' : '';
      const lines = [
        `${desired.length} Salesforce profiles${options.dryRun ? ' (dry run: nothing written)' : ''}`,
        ...section(`${verb}added`, summary.added),
        ...section(`${verb}updated`, summary.updated),
        ...section('kept', summary.kept),
        ...section(`${verb}removed (Provision's roles whose profile no longer exists)`, summary.removed),
        `"${DEFAULT_ACCESS}" is Entra's default role, not a Salesforce profile: left as it is.`,
      ];
      io.stdout(`${lines.join('\n')}\n`);
    });
}

function section(title: string, values: readonly string[]): string[] {
  return [`${title}: ${values.length}`, ...values.map((v) => `  ${v}`)];
}
