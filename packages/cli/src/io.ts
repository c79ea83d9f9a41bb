/** What a command may touch of the outside world; tests and main.ts each pass their own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readFile: (path: string) => Promise<string>;
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
