import type { Command } from 'commander';
import { CliExit, type CliIo, EXIT, printJson } from '../io.ts';
import { readSalesforceSettings, salesforceOptions } from '../salesforce-settings.ts';
import { SettingsReader } from '../settings.ts';

interface TestConnectionOptions {
  readonly sandbox?: boolean;
  readonly json?: boolean;
  readonly diagnose: boolean;
}

/** `provision salesforce test-connection`: Entra's "Test connection", item by item, with what to do. */
export function registerSalesforceCommand(program: Command, io: CliIo): void {
  const salesforce = program.command('salesforce').description('work with the Salesforce org');
  salesforceOptions(
    salesforce
      .command('test-connection')
      .description(
        'check that Provision can provision into the org: reachable, credentials valid, API enabled, Manage Users — ' +
          'and say exactly what is wrong and what to do',
      ),
  )
    .option(
      '--no-diagnose',
      'after a refused password + token login, do not try the password alone to tell which is wrong',
    )
    .option('--json', 'print the report as JSON')
    .action(async (options: TestConnectionOptions & Record<string, unknown>) => {
      const reader = new SettingsReader(options, io.env);
      const target = await readSalesforceSettings(reader, io, options);
      reader.done();
      if (!target) throw new CliExit(EXIT.invalid, 'error: incomplete Salesforce settings');
      const { JsforceSalesforceGateway } = await import('@provision/salesforce');
      const { diagnoseConnection, renderDiagnosis } = await import('../connection-diagnosis.ts');
      const test = async (connection: typeof target.connection) => {
        const gateway = new JsforceSalesforceGateway(connection);
        try {
          return await gateway.testConnection();
        } finally {
          await gateway.close();
        }
      };
      const report = await test(target.connection);
      let probe: Awaited<ReturnType<typeof test>> | undefined;
      const auth = target.connection.auth;
      if (
        options.diagnose &&
        auth.kind === 'password' &&
        auth.securityToken &&
        report.error?.salesforceCode === 'INVALID_LOGIN'
      ) {
        const { securityToken: _token, ...withoutToken } = auth;
        probe = await test({ ...target.connection, auth: withoutToken });
      }
      const context = {
        mode: target.mode,
        loginUrl: target.loginUrl,
        tokenGiven: target.tokenGiven,
        ...(probe ? { probe } : {}),
      };
      const diagnosis = diagnoseConnection(report, context);
      if (options.json) {
        printJson(io, {
          ok: diagnosis.ok,
          loginUrl: target.loginUrl,
          auth: target.mode,
          checks: diagnosis.checks,
          notes: diagnosis.notes,
          report,
        });
      } else {
        io.stdout(renderDiagnosis(diagnosis, report, context));
      }
      if (!diagnosis.ok) throw new CliExit(EXIT.failed);
    });
}
