import {
  type CallOutcome,
  type ConcurrencyLimiter,
  type ConcurrencySettings,
  type ConcurrencySlot,
  type ConcurrencyState,
  type ConcurrencyView,
  initialState,
  nextState,
  slots,
  urgentMayStart,
} from '../domain/concurrency.ts';

/**
 * The concurrency budget of one process (tests, a single writer without Redis): the same AIMD
 * rule as the fleet's, kept in memory. Waiters are woken in order as slots free up, urgent ones first.
 */
export class LocalConcurrencyLimiter implements ConcurrencyLimiter {
  #state: ConcurrencyState;
  #inFlight = 0;
  #urgentInFlight = 0;
  readonly #waiters: (() => void)[] = [];
  readonly #settings: ConcurrencySettings;
  readonly #now: () => number;
  readonly #onChange: ((view: ConcurrencyView) => void) | undefined;

  constructor(
    settings: ConcurrencySettings,
    options: { now?: () => number; onChange?: (view: ConcurrencyView) => void } = {},
  ) {
    this.#settings = settings;
    this.#state = initialState(settings);
    this.#now = options.now ?? Date.now;
    this.#onChange = options.onChange;
  }

  view(): ConcurrencyView {
    return { limit: this.#state.limit, inFlight: this.#inFlight, msPerRecord: this.#state.bestMsPerRecord };
  }

  async acquire(options: { urgent?: boolean } = {}): Promise<ConcurrencySlot> {
    const urgent = options.urgent === true;
    const mayStart = () =>
      urgent
        ? urgentMayStart(this.#inFlight, this.#urgentInFlight, this.#settings)
        : this.#inFlight < slots(this.#state);
    // An urgent caller waits at the head of the line.
    while (!mayStart())
      await new Promise<void>((resolve) => (urgent ? this.#waiters.unshift(resolve) : this.#waiters.push(resolve)));
    this.#inFlight++;
    if (urgent) this.#urgentInFlight++;
    this.#onChange?.(this.view());
    let released = false;
    return {
      release: async (outcome: CallOutcome) => {
        if (released) return;
        released = true;
        this.#inFlight--;
        if (urgent) this.#urgentInFlight--;
        this.#state = nextState(this.#state, outcome, this.#settings, this.#now());
        this.#onChange?.(this.view());
        this.#wake();
      },
    };
  }

  /** Wakes every waiter: each looks again whether it may start (urgent ones first), the others wait on. */
  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
