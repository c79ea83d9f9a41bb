import { parseArgs } from 'node:util';

/** What `./pnpmw chaos` was asked to do. */
export interface ChaosOptions {
  users: number;
  kills: number;
  seed: number;
  /** How long to wait for convergence once the faults stop, in seconds. */
  timeoutSeconds: number;
  /** Leave the pipeline running at the end, for inspection. */
  keep: boolean;
  /** Restart the Kafka broker once, midway through the faults. */
  brokerRestart: boolean;
  /** Empty Redis of everything Provision keeps there, once, midway through the faults. */
  redisFlush: boolean;
}

export const USAGE = `usage: ./pnpmw chaos [--users N] [--kills K] [--seed S] [--timeout SECONDS] [--broker-restart] [--redis-flush] [--keep] [--help]

Runs the whole pipeline against the simulators while services are killed (SIGKILL), Salesforce and
Graph fail, and the tenant changes; then stops the faults and waits until Salesforce matches what the
final tenant implies. Prints a JSON summary and a last line; exits 0 only when nothing is duplicated,
missing, wrong or stale and every command has its result in the audit log.

  --users N          users in the tenant (default 3000)
  --kills K          services killed in all, at least one while it is starting (default 12)
  --seed S           seed of the tenant and of every random choice (default 1)
  --timeout SECONDS  how long to wait for convergence after the faults (default 300)
  --broker-restart   also restart the Kafka broker once, midway through the faults
  --redis-flush      also empty Redis of every key of the run, once, midway through the faults
  --keep             leave the pipeline running at the end (Ctrl-C stops it)
  --help             this text`;

/** The parsed options, `help`, or every problem found (each naming its argument). */
export type ParsedArgs =
  | { kind: 'run'; options: ChaosOptions }
  | { kind: 'help' }
  | { kind: 'error'; problems: string[] };

/** Reads the command line; never exits (main decides: usage on help, exit 2 on errors). */
export function parseChaosArgs(argv: readonly string[]): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        users: { type: 'string', default: '3000' },
        kills: { type: 'string', default: '12' },
        seed: { type: 'string', default: '1' },
        timeout: { type: 'string', default: '300' },
        keep: { type: 'boolean', default: false },
        'broker-restart': { type: 'boolean', default: false },
        'redis-flush': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { kind: 'error', problems: [(error as Error).message] };
  }
  if (values['help']) return { kind: 'help' };
  const problems: string[] = [];
  const whole = (name: string, min: number, max: number): number => {
    const raw = String(values[name]);
    const n = /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`--${name} must be a whole number from ${min} to ${max} (got '${raw}')`);
    }
    return n;
  };
  const options: ChaosOptions = {
    users: whole('users', 10, 100_000),
    kills: whole('kills', 0, 1000),
    seed: whole('seed', 0, 2 ** 31 - 1),
    timeoutSeconds: whole('timeout', 10, 86_400),
    keep: values['keep'] === true,
    brokerRestart: values['broker-restart'] === true,
    redisFlush: values['redis-flush'] === true,
  };
  return problems.length > 0 ? { kind: 'error', problems } : { kind: 'run', options };
}
