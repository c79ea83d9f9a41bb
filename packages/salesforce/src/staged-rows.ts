import type { RowsClient } from './assignment-rows.ts';

type Rec = Record<string, unknown>;

/** What the stage needs from the adapter: statements and Collections calls, run together in order. */
export interface StageIo {
  /** Every row of each `prefix WHERE field IN (values)`, in order: the rows of each, or why it failed. */
  queryEach(
    queries: readonly { prefix: string; field: string; values: readonly string[] }[],
  ): Promise<(Rec[] | Error)[]>;
  /** Collections inserts (`object`, records) and deletes (ids), run in order: raw SaveResults of each, or why it failed. */
  writeEach(
    writes: readonly (
      | { kind: 'insert'; object: string; records: readonly Rec[] }
      | { kind: 'remove'; object: string; ids: readonly string[] }
    )[],
  ): Promise<(unknown[] | Error)[]>;
}

type Op =
  | { kind: 'read'; step: number; prefix: string; field: string; values: readonly string[] }
  | { kind: 'insert'; step: number; object: string; records: readonly Rec[] }
  | { kind: 'remove'; step: number; object: string; ids: readonly string[] };

interface Waiting {
  readonly op: Op;
  resolve(value: never): void;
  reject(error: unknown): void;
}

/**
 * Runs several steps of junction-row changes (each written against a `RowsClient`, as `assignRows`
 * is) so that their calls go together: whenever no step can go on without Salesforce, the stage
 * sends what they wait for in one go — their reads first; once none reads, their inserts in step
 * order; once none inserts, their deletes in step order. Each step reads at most once, then inserts
 * (one call of any size), then deletes, so the rows go out as the steps run one after another would
 * send them, but with every insert before every delete: a licence added in the first step is there
 * for the sets of the next, and one removed in the last goes only after the sets that needed it.
 */
export class StagedRows {
  readonly #io: StageIo;
  readonly #running = new Set<number>();
  readonly #waiting: Waiting[] = [];
  #sending = false;

  constructor(io: StageIo) {
    this.#io = io;
  }

  /** Runs the steps at once, each with a client of its object; their results in order. */
  run<T>(steps: readonly ((client: (object: string) => RowsClient) => Promise<T>)[]): Promise<T[]> {
    // Every step counts as working before any starts: the first to wait must not send alone.
    for (const n of steps.keys()) this.#running.add(n);
    return Promise.all(
      steps.map(async (step, n) => {
        try {
          return await step((object) => this.#client(n, object));
        } finally {
          this.#running.delete(n);
          this.#next();
        }
      }),
    );
  }

  #client(step: number, object: string): RowsClient {
    return {
      batchSize: Number.POSITIVE_INFINITY,
      queryIn: (prefix, field, values) => this.#wait<Rec[]>({ kind: 'read', step, prefix, field, values }),
      insert: (records) => this.#wait<unknown[]>({ kind: 'insert', step, object, records }),
      remove: (ids) => this.#wait<unknown[]>({ kind: 'remove', step, object, ids }),
    };
  }

  #wait<T>(op: Op): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ op, resolve: resolve as (value: never) => void, reject });
      this.#running.delete(op.step);
      this.#next();
    });
  }

  /** Sends what the steps wait for, once none of them is still working on its own. */
  #next(): void {
    if (this.#sending || this.#running.size > 0 || this.#waiting.length === 0) return;
    const kind = (['read', 'insert', 'remove'] as const).find((k) => this.#waiting.some((w) => w.op.kind === k))!;
    const batch = this.#waiting.filter((w) => w.op.kind === kind).sort((a, b) => a.op.step - b.op.step);
    this.#waiting.splice(0, this.#waiting.length, ...this.#waiting.filter((w) => w.op.kind !== kind));
    this.#sending = true;
    const answers =
      kind === 'read'
        ? this.#io.queryEach(batch.map((w) => w.op as Extract<Op, { kind: 'read' }>))
        : this.#io.writeEach(
            batch.map((w) => {
              const op = w.op as Exclude<Op, { kind: 'read' }>;
              return op.kind === 'insert'
                ? { kind: 'insert' as const, object: op.object, records: op.records }
                : { kind: 'remove' as const, object: op.object, ids: op.ids };
            }),
          );
    answers.then(
      (values) => this.#settle(batch, (w, i) => values[i]),
      (error: unknown) => this.#settle(batch, () => (error instanceof Error ? error : new Error(String(error)))),
    );
  }

  #settle(batch: readonly Waiting[], answer: (w: Waiting, i: number) => unknown): void {
    this.#sending = false;
    batch.forEach((w, i) => {
      const value = answer(w, i);
      // The step works on with the answer: until it waits again or ends, nothing more is sent.
      this.#running.add(w.op.step);
      if (value instanceof Error) w.reject(value);
      else w.resolve(value as never);
    });
    this.#next();
  }
}
