// `./pnpmw demo [--users N] [--seed S] [--existing-share F] [--once]`: the whole pipeline against
// the simulators, with the initial sync's progress live, a summary, then incremental sync until
// Ctrl-C. With --once it exits after the initial sync: 0 when every user reached Salesforce or
// failed with a logged reason.
import { parseArgs } from 'node:util';
import { type Pipeline, startPipeline } from './pipeline.ts';
import { waitForInitialSync } from './progress.ts';
import { type ExampleSubscriber, startExampleSubscriber } from './subscriber.ts';
import { formatSummary, summarise } from './summary.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    'existing-share': { type: 'string', default: '0.1' },
    once: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (values.help) {
  console.log('usage: ./pnpmw demo [--users N] [--seed S] [--existing-share 0..1] [--once]');
  process.exit(0);
}
const users = Number(values.users);
const seed = Number(values.seed);
const existingShare = Number(values['existing-share']);
const problems = [
  Number.isInteger(users) && users >= 1 && users <= 200_000
    ? null
    : `--users must be a whole number from 1 to 200000 (got '${values.users}')`,
  Number.isInteger(seed) ? null : `--seed must be a whole number (got '${values.seed}')`,
  existingShare >= 0 && existingShare <= 1
    ? null
    : `--existing-share must be between 0 and 1 (got '${values['existing-share']}')`,
].filter(Boolean);
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(2);
}

const tty = process.stdout.isTTY;
const say = (line: string) => console.log(line);
const started = Date.now();
const pipeline = await startPipeline({ users, seed, existingShare, onStep: (m) => say(`starting ${m}`) });
// Another system subscribed to the lifecycle stream: packages/subscriber's example, as its own process.
const subscriber: ExampleSubscriber | null = await startExampleSubscriber(
  { KAFKA_BROKERS: pipeline.env.audit['KAFKA_BROKERS'] ?? '', TOPIC_PREFIX: pipeline.env.audit['TOPIC_PREFIX'] ?? '' },
  pipeline.logDir,
).catch((error: unknown) => {
  console.error(`the example subscriber did not start: ${error instanceof Error ? error.message : error}`);
  return null;
});
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await subscriber?.stop();
  await pipeline.stop();
  process.exit(code);
};
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));

say(
  `Graph (simulated tenant): ${pipeline.sims.graph.url}   Salesforce (simulated org): ${pipeline.sims.salesforce.url}`,
);
say(`Audit API and dashboard: ${pipeline.auditUrl}   Logs: ${pipeline.logDir}`);
say(signInHelp(pipeline));
say(`Initial sync of ${users} users…`);
let lastLine = '';
try {
  await waitForInitialSync(pipeline.auditUrl, {
    timeoutMs: Math.max(300_000, users * 60),
    onProgress: (s) => {
      const { commandsIssued, resultsReceived } = s.progress;
      const total = s.fullSync.counts?.['users'];
      const line = `  ${s.fullSync.state === 'completed' ? 'read' : 'reading'} ${total ?? '…'} users · ${commandsIssued} decided · ${resultsReceived} done · ${s.counts.byStatus['failure'] ?? 0} failed`;
      if (line === lastLine) return;
      lastLine = line;
      if (tty) process.stdout.write(`\r${line}   `);
      else say(line);
    },
  });
  if (tty) process.stdout.write('\n');
  const summary = await summarise(pipeline.auditUrl);
  say(formatSummary(summary, Date.now() - started));
  if (subscriber) {
    // One lifecycle event per result that changed someone's access.
    const expected = summary.created + summary.matched + summary.updated + summary.deactivated + summary.reactivated;
    say(`subscriber: ${(await subscriber.settle(expected)).line}   (${subscriber.url}/active)`);
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  await stop(1);
}
if (values.once) await stop(0);
say(
  `Incremental sync is running: change the tenant (${pipeline.sims.graph.url}/__admin/…) and watch ${pipeline.auditUrl}. Ctrl-C stops.`,
);

/** How to sign in to the dashboard and call the APIs (graph-sim's dev login and the seeded client). */
function signInHelp(p: Pipeline): string {
  const graph = p.sims.graph;
  const users = p.signIn.users.map((u) => `    ${u.username}   password ${u.password}   (${u.roles.join(', ')})`);
  return [
    `Sign in to the dashboard: open ${p.signIn.dashboardUrl} and press "Sign in" (graph-sim's dev login; accept its`,
    `  certificate once, or trust ${graph.caCertPath}):`,
    ...users,
    `APIs and the CLI: client credentials of "Provision CLI" (Provision.Read and Provision.Operate):`,
    `  PROVISION_TENANT_ID=${graph.tenantId} PROVISION_AUTHORITY_HOST=${graph.authorityHost}`,
    `  PROVISION_CLIENT_ID=${graph.signIn.client.clientId} PROVISION_CLIENT_SECRET=${graph.signIn.client.clientSecret}`,
    `  PROVISION_API_SCOPE=${graph.signIn.defaultScope} NODE_EXTRA_CA_CERTS=${graph.caCertPath}`,
  ].join('\n');
}
