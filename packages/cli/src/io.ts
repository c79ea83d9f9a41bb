/** What a command may touch of the outside world; tests and main.ts each pass their own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readFile: (path: string) => Promise<string>;
  /** The environment settings fall back to (`process.env` in main.ts; tests pass their own). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Exit codes: 0 success; 1 the work ran and failed (an expression that fails on its input); 2 bad input or usage. */
export const EXIT = { ok: 0, failed: 1, invalid: 2 } as const;

/** Thrown by a command to stop with a message on stderr and an exit code. */
export class CliExit extends Error {
  readonly exitCode: number;

  constructor(exitCode: number, message = '') {
    super(message);
    this.name = 'CliExit';
    this.exitCode = exitCode;
  }
}

/** Prints a value as indented JSON (the `--json` output of every command). */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}
