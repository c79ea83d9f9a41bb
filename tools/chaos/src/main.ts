// `./pnpmw chaos [--users N] [--kills K] [--seed S] [--timeout SECONDS] [--keep]`: the pipeline
// under faults, then a check that Salesforce converged to what the final tenant implies. Prints a
// JSON summary and a last line; exit 0 when converged with nothing wrong, 1 otherwise, 2 on bad arguments.
import { parseChaosArgs, USAGE } from './args.ts';
import { exitCode, lastLine } from './report.ts';
import { runChaos } from './run.ts';

const parsed = parseChaosArgs(process.argv.slice(2));
if (parsed.kind === 'help') {
  console.log(USAGE);
  process.exit(0);
}
if (parsed.kind === 'error') {
  console.error(`${parsed.problems.join('\n')}\n(./pnpmw chaos --help lists the options)`);
  process.exit(2);
}
const { options } = parsed;
const started = Date.now();
const log = (line: string) =>
  console.error(`[chaos ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}`);

let run: Awaited<ReturnType<typeof runChaos>>;
try {
  run = await runChaos(options, log);
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
}
const { report, pipeline } = run;
console.log(JSON.stringify(report, null, 2));
console.log(lastLine(report, options.timeoutSeconds));
const code = exitCode(report);
if (options.keep) {
  log(`--keep: the pipeline keeps running (audit ${pipeline.auditUrl}, logs ${pipeline.logDir}); Ctrl-C stops it`);
  const stop = async () => {
    await pipeline.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
} else {
  await pipeline.stop();
  process.exit(code);
}
