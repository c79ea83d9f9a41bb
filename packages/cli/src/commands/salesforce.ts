import type { ConnectionReport } from '@provision/salesforce';
import type { Command } from 'commander';
import { CliExit, type CliIo, EXIT, printJson } from '../io.ts';
import { readSalesforceSettings, salesforceOptions } from '../salesforce-settings.ts';
import { SettingsReader } from '../settings.ts';

const TIMEOUT = { flag: '--timeout' } as const;

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
    .option('--timeout <seconds>', 'give up on an org that does not answer', '30')
    .option('--json', 'print the report as JSON')
    .action(async (options: TestConnectionOptions & Record<string, unknown>) => {
      const reader = new SettingsReader(options, io.env);
      const target = await readSalesforceSettings(reader, io, options);
      const timeoutMs = reader.positive(TIMEOUT, 30) * 1000;
      reader.done();
      if (!target) throw new CliExit(EXIT.invalid, 'error: incomplete Salesforce settings');
      const { JsforceSalesforceGateway } = await import('@provision/salesforce');
      const { diagnoseConnection, renderDiagnosis } = await import('../connection-diagnosis.ts');
      const test = async (connection: typeof target.connection) => {
        const gateway = new JsforceSalesforceGateway(connection);
        let timer: NodeJS.Timeout | undefined;
        // An unroutable address never answers: report it as unreachable rather than wait for the OS.
        const silence = new Promise<ConnectionReport>((resolve) => {
          timer = setTimeout(() => resolve(noAnswer(timeoutMs)), timeoutMs);
        });
        try {
          return await Promise.race([gateway.testConnection(), silence]);
        } finally {
          clearTimeout(timer);
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

function noAnswer(timeoutMs: number): ConnectionReport {
  const message = `no answer within ${timeoutMs / 1000} s`;
  return {
    ok: false,
    reachable: false,
    credentialsValid: false,
    apiEnabled: false,
    manageUsers: false,
    manageUsersOnProfile: false,
    missing: [message],
    notes: [],
    error: { code: 'SalesforceNetworkError', retriable: true, message, fields: [], salesforceCode: 'timeout' },
  };
}
