import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `~/.cache/provision/containers` (or under PROVISION_CACHE_DIR / XDG_CACHE_HOME). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['PROVISION_CACHE_DIR'] ?? join(env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'provision');
  return join(base, 'containers');
}

export interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a command, collecting stdout and stderr; echoes them unless `quiet`. */
export function run(
  command: string,
  args: readonly string[],
  options: { quiet?: boolean; cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let output = '';
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 4_000_000) output = output.slice(-2_000_000);
      if (!options.quiet) process.stderr.write(chunk);
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    if (options.input !== undefined) child.stdin!.end(options.input);
    child.on('error', (error) => resolve({ code: 127, output: `${output}${String(error)}` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Runs a command and throws, with the end of its output, when it fails. */
export async function must(
  command: string,
  args: readonly string[],
  options: Parameters<typeof run>[2] = {},
): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`\`${command} ${args.join(' ')}\` failed (exit ${result.code}):\n${result.output.slice(-3000)}`);
  }
  return result.output;
}

/** A shell script with positional arguments, echoing its output; throws when it fails. */
export function sh(script: string, args: readonly string[] = [], options: { quiet?: boolean } = {}): Promise<string> {
  return must('sh', ['-ec', script, 'sh', ...args], options);
}
