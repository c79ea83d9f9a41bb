import type { ConnectionReport, SalesforceError } from '@provision/salesforce';

/** One line of the connection checklist. */
export interface Check {
  readonly name: string;
  readonly state: 'ok' | 'failed' | 'unchecked';
  /** What is wrong, in the admin's terms. */
  readonly problem?: string;
  /** What to do about it. */
  readonly fix?: string;
}

/** The checklist `provision salesforce test-connection` prints. */
export interface Diagnosis {
  readonly ok: boolean;
  readonly checks: readonly Check[];
  readonly notes: readonly string[];
}

/** What the diagnosis needs to know about how the connection was attempted (never a secret). */
export interface AttemptContext {
  readonly mode: 'password' | 'jwt' | 'client_credentials';
  readonly loginUrl: string;
  readonly tokenGiven: boolean;
  /**
   * For a refused password login with a token: the same login with the password alone. Salesforce
   * answers INVALID_LOGIN for a wrong password and for a wrong token alike; without the token, a
   * right password gets LOGIN_MUST_USE_SECURITY_TOKEN (or logs in from a trusted network).
   */
  readonly probe?: ConnectionReport;
}

const NAMES = {
  reachable: 'Salesforce reachable',
  credentials: 'Credentials valid',
  api: 'API enabled',
  manageUsers: 'Manage Users permission',
} as const;

const TOKEN_FIX =
  'As the integration user in Salesforce: Settings → Reset My Security Token (the new token is emailed); set it with ' +
  '--security-token / SALESFORCE_SECURITY_TOKEN. Or add the network Provision runs from to the org’s trusted IP ranges.';
const USER_FIX =
  'Check --username / SALESFORCE_USERNAME (the full username, e.g. provisioning@acme.com; sandbox usernames end in ' +
  '.<sandbox name>) and --password / SALESFORCE_PASSWORD. In Setup → Users, check that the user is active, not frozen ' +
  'and not locked out. Logging in at production with sandbox credentials (or the reverse) gets the same answer: check --login-url.';

/** Turns a ConnectionReport into the checklist, naming exactly what is wrong and what to do. */
export function diagnoseConnection(report: ConnectionReport, context: AttemptContext): Diagnosis {
  const notes = [...report.notes];
  const unchecked = (name: string): Check => ({ name, state: 'unchecked' });
  const ok = (name: string): Check => ({ name, state: 'ok' });
  const error = report.error;
  if (!report.reachable) {
    return {
      ok: false,
      checks: [
        { name: NAMES.reachable, state: 'failed', ...unreachable(context.loginUrl, error) },
        unchecked(NAMES.credentials),
        unchecked(NAMES.api),
        unchecked(NAMES.manageUsers),
      ],
      notes,
    };
  }
  if (!report.credentialsValid) {
    return {
      ok: false,
      checks: [
        ok(NAMES.reachable),
        { name: NAMES.credentials, state: 'failed', ...badCredentials(error, context, notes) },
        unchecked(NAMES.api),
        unchecked(NAMES.manageUsers),
      ],
      notes,
    };
  }
  if (!report.apiEnabled) {
    return {
      ok: false,
      checks: [
        ok(NAMES.reachable),
        ok(NAMES.credentials),
        { name: NAMES.api, state: 'failed', ...apiDisabled(error, report) },
        unchecked(NAMES.manageUsers),
      ],
      notes,
    };
  }
  if (report.orgId === undefined && error) {
    // The login failed with something that is none of the above: not a Salesforce login service.
    return {
      ok: false,
      checks: [
        {
          name: NAMES.reachable,
          state: 'failed',
          problem: `Something answered at ${context.loginUrl}, but not as Salesforce's login service: ${error.message}`,
          fix: `Check --login-url / SALESFORCE_LOGIN_URL: ${URL_HINT}`,
        },
        unchecked(NAMES.credentials),
        unchecked(NAMES.api),
        unchecked(NAMES.manageUsers),
      ],
      notes,
    };
  }
  if (error) {
    return {
      ok: false,
      checks: [
        ok(NAMES.reachable),
        ok(NAMES.credentials),
        ok(NAMES.api),
        {
          name: NAMES.manageUsers,
          state: 'failed',
          problem: `Could not read the integration user's permissions: ${error.message}`,
          fix: 'Give the integration user "View Setup and Configuration" and "Manage Users" on its profile, then test again.',
        },
      ],
      notes,
    };
  }
  const user = report.user;
  const manageUsers: Check = report.manageUsers
    ? ok(NAMES.manageUsers)
    : {
        name: NAMES.manageUsers,
        state: 'failed',
        problem: `${user ? `The integration user ${user.username}` : 'The integration user'} does not hold "Manage Users", so it cannot create, update or deactivate users.`,
        fix: `Setup → Profiles → ${user?.profileName ?? 'its profile'} → System Permissions: enable "Manage Users" (Entra's connector asks for it on the profile; a permission set works too).`,
      };
  return {
    ok: report.ok,
    checks: [ok(NAMES.reachable), ok(NAMES.credentials), ok(NAMES.api), manageUsers],
    notes,
  };
}

const URL_HINT =
  'production https://login.salesforce.com, sandbox https://test.salesforce.com, or your My Domain ' +
  '(https://<name>.my.salesforce.com; a sandbox: https://<name>--<sandbox>.sandbox.my.salesforce.com; Government Cloud: ' +
  'the domain Setup → My Domain shows, e.g. https://<name>.my.salesforce.mil)';

function unreachable(loginUrl: string, error: SalesforceError | undefined): Pick<Check, 'problem' | 'fix'> {
  const code = error?.salesforceCode ?? '';
  const detail = error ? `${error.message}${code && !error.message.includes(code) ? ` (${code})` : ''}` : 'no answer';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return {
      problem: `The host of ${loginUrl} does not resolve: ${detail}`,
      fix: `Check the spelling of --login-url / SALESFORCE_LOGIN_URL: ${URL_HINT}. Behind a proxy, check DNS from this machine.`,
    };
  }
  if (code === 'ECONNREFUSED') {
    return {
      problem: `Nothing accepts connections at ${loginUrl}: ${detail}`,
      fix: `Check the URL and port (--login-url / SALESFORCE_LOGIN_URL): ${URL_HINT}.`,
    };
  }
  return {
    problem: `No answer from ${loginUrl}: ${detail}`,
    fix: `Check --login-url / SALESFORCE_LOGIN_URL (${URL_HINT}) and that outbound HTTPS to Salesforce is allowed (firewall, proxy).`,
  };
}

function badCredentials(
  error: SalesforceError | undefined,
  context: AttemptContext,
  notes: string[],
): Pick<Check, 'problem' | 'fix'> {
  const code = error?.salesforceCode ?? '';
  const message = error?.message ?? '';
  if (context.mode === 'password') {
    if (code === 'PASSWORD_EXPIRED' || code === 'INVALID_OPERATION_WITH_EXPIRED_PASSWORD') {
      return {
        problem: 'The password of the integration user has expired.',
        fix:
          'Log in to Salesforce as the user and set a new password (this also resets the security token, which is emailed); ' +
          'update SALESFORCE_PASSWORD and SALESFORCE_SECURITY_TOKEN. A profile whose passwords never expire avoids this.',
      };
    }
    if (code === 'LOGIN_MUST_USE_SECURITY_TOKEN') {
      return {
        problem:
          'The username and password are right, but the security token is missing: this network is not among the org’s trusted IP ranges.',
        fix: TOKEN_FIX,
      };
    }
    if (code === 'INVALID_LOGIN' && context.tokenGiven && context.probe) {
      const probe = context.probe;
      notes.push(
        'To tell the password from the token, a second login was tried with the password alone (one more failed attempt counts towards the lockout).',
      );
      if (probe.credentialsValid) {
        return {
          problem:
            'The username and password are right; the security token is wrong. This network is trusted, so no token is needed from here.',
          fix: 'Remove --security-token / SALESFORCE_SECURITY_TOKEN, or set the current token (Settings → Reset My Security Token).',
        };
      }
      if (probe.error?.salesforceCode === 'LOGIN_MUST_USE_SECURITY_TOKEN') {
        return {
          problem:
            'The username and password are right; the security token is wrong (a token changes whenever the password is changed or reset).',
          fix: TOKEN_FIX,
        };
      }
      return {
        problem: 'The username or the password is wrong (or the user is locked out, frozen or inactive).',
        fix: USER_FIX,
      };
    }
    if (code === 'INVALID_LOGIN') {
      return {
        problem: context.tokenGiven
          ? 'Salesforce refused the username, password or security token (it does not say which).'
          : 'Salesforce refused the username or password (it does not say which; no security token was given).',
        fix: context.tokenGiven
          ? `${USER_FIX} Run without --no-diagnose to tell a wrong password from a wrong token.`
          : `${USER_FIX} From outside the org's trusted IP ranges, a security token is needed too (--security-token).`,
      };
    }
  }
  if (code === 'invalid_client_id') {
    return {
      problem: 'Salesforce knows no connected app with this consumer key.',
      fix:
        'Set --client-id / SALESFORCE_CLIENT_ID to the Consumer Key of the connected app (Setup → App Manager → the app → View); ' +
        'a new connected app can take up to 10 minutes to be usable. Check that --login-url points at the right org.',
    };
  }
  if (code === 'invalid_client') {
    return {
      problem: 'The consumer secret is wrong.',
      fix: 'Copy the Consumer Secret of the connected app again into --client-secret / SALESFORCE_CLIENT_SECRET.',
    };
  }
  if (code === 'unsupported_grant_type') {
    return {
      problem: `The org does not accept the ${context.mode} flow at ${context.loginUrl}: ${message}`,
      fix:
        context.mode === 'client_credentials'
          ? 'In the connected app: Edit Policies → enable "Client Credentials Flow", and log in at the My Domain URL.'
          : 'Check --auth and --login-url.',
    };
  }
  if (code === 'invalid_grant' && context.mode === 'jwt') {
    if (/audience/i.test(message)) {
      return {
        problem: `The assertion's audience does not match the org (${message}).`,
        fix: 'Production and My Domain logins use the audience https://login.salesforce.com, sandboxes https://test.salesforce.com: pass --sandbox or --login-url https://test.salesforce.com for a sandbox.',
      };
    }
    if (/approved|consumer/i.test(message)) {
      return {
        problem: `The user is not authorised for this connected app (${message}).`,
        fix:
          'In the connected app: Manage → Edit Policies → Permitted Users = "Admin approved users are pre-authorized", then add ' +
          "the integration user's profile or a permission set (Manage Profiles / Manage Permission Sets). Check --username too.",
      };
    }
    if (/expired/i.test(message)) {
      return {
        problem: `The assertion had expired on arrival (${message}): this machine's clock is off.`,
        fix: 'Synchronise the clock (NTP) and test again.',
      };
    }
    return {
      problem: `The assertion's signature does not match the connected app's certificate (${message}).`,
      fix: 'Use the private key of the certificate uploaded to the connected app ("Use digital signatures") in --private-key-file / SALESFORCE_PRIVATE_KEY_FILE.',
    };
  }
  if (code === 'invalid_grant' && context.mode === 'client_credentials') {
    return {
      problem: `The connected app has no user to run the client credentials flow as (${message}).`,
      fix: 'In the connected app: Edit Policies → Client Credentials Flow → Run As: choose the integration user (active, with API Enabled and Manage Users).',
    };
  }
  return {
    problem: `Salesforce refused the credentials: ${message || code}`,
    fix: 'Check the settings of --auth and the credentials it needs.',
  };
}

function apiDisabled(error: SalesforceError | undefined, report: ConnectionReport): Pick<Check, 'problem' | 'fix'> {
  if (error?.salesforceCode === 'API_DISABLED_FOR_ORG') {
    return {
      problem: `The org has no API access (${error.message}).`,
      fix: 'Salesforce gives API access to Enterprise, Unlimited, Performance and Developer editions; Professional Edition needs the API add-on.',
    };
  }
  const profile = report.user?.profileName;
  return {
    problem: `API access is disabled for the integration user (${error?.message ?? 'API disabled'}).`,
    fix: `Enable "API Enabled" on its profile${profile ? ` '${profile}'` : ''} (Setup → Profiles → System Permissions) or through a permission set.`,
  };
}

/** Renders the checklist as text. */
export function renderDiagnosis(diagnosis: Diagnosis, report: ConnectionReport, context: AttemptContext): string {
  const lines = [`Salesforce connection test — ${context.loginUrl} (${context.mode})`];
  for (const check of diagnosis.checks) {
    const mark = check.state === 'ok' ? '✓' : check.state === 'failed' ? '✗' : '·';
    lines.push(`  ${mark} ${check.name}${check.state === 'unchecked' ? ' — not checked' : ''}`);
    if (check.problem) lines.push(`      problem: ${check.problem}`);
    if (check.fix) lines.push(`      fix:     ${check.fix}`);
  }
  if (report.user) {
    lines.push(
      `Connected as ${report.user.username} (profile ${report.user.profileName ?? 'unknown'}), org ${report.orgId ?? '?'}, instance ${report.instanceUrl ?? '?'}`,
    );
  }
  for (const note of diagnosis.notes) lines.push(`note: ${note}`);
  const failed = diagnosis.checks.filter((c) => c.state === 'failed').length;
  lines.push(diagnosis.ok ? 'Ready to provision.' : `Not ready: ${failed} problem${failed === 1 ? '' : 's'}.`);
  return `${lines.join('\n')}\n`;
}
