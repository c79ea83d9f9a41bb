import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Pipeline } from '@provision/demo';

const CLI = fileURLToPath(new URL('../../../packages/cli/src/main.ts', import.meta.url));

/** What `provision reconcile --apply` found and did. */
export interface ReconcileRecord {
  readonly exitCode: number | null;
  readonly orphans: number | null;
  readonly applied: number | null;
  readonly error?: string;
}

/**
 * The admin's step after a Redis loss (the mapper logs that its memory was lost): `provision
 * reconcile --apply`, run as an admin would, with the CLI's own client credentials. It settles the
 * users deleted in Entra while the pipeline could not see it.
 */
export async function reconcileAsAdmin(pipeline: Pipeline, linkField: string): Promise<ReconcileRecord> {
  const { graph, salesforce } = pipeline.sims;
  const env = {
    ...process.env,
    GRAPH_TENANT_ID: graph.tenantId,
    GRAPH_CLIENT_ID: graph.clientId,
    GRAPH_CLIENT_SECRET: graph.clientSecret,
    GRAPH_BASE_URL: graph.url,
    GRAPH_AUTHORITY_HOST: graph.authorityHost,
    SALESFORCE_LOGIN_URL: salesforce.loginUrl,
    SALESFORCE_USERNAME: salesforce.credentials.username,
    SALESFORCE_PASSWORD: salesforce.credentials.password,
    SALESFORCE_SECURITY_TOKEN: salesforce.credentials.securityToken,
    INGESTOR_URL: pipeline.ingestorUrl,
    PROVISION_TENANT_ID: graph.tenantId,
    PROVISION_AUTHORITY_HOST: graph.authorityHost,
    PROVISION_CLIENT_ID: graph.signIn.client.clientId,
    PROVISION_CLIENT_SECRET: graph.signIn.client.clientSecret,
    PROVISION_API_SCOPE: graph.signIn.defaultScope,
    NODE_EXTRA_CA_CERTS: graph.caCertPath,
  };
  const args = [CLI, 'reconcile', '--link-field', linkField, '--apply', '--max', '100000', '--json'];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const out = JSON.parse(stdout) as { orphans: unknown[]; applied?: unknown[] };
    return { exitCode, orphans: out.orphans.length, applied: out.applied?.length ?? 0 };
  } catch {
    return { exitCode, orphans: null, applied: null, error: stderr.trim() || stdout.trim() || 'no output' };
  }
}
