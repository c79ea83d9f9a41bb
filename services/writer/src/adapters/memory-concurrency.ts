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
  urgentSlots,
} from '../domain/concurrency.ts';

/**
 * The concurrency budget of one process (tests, a single writer without Redis): the same AIMD
 * rule as the fleet's, kept in memory. Waiters are woken in order as slots free up.
 */
export class LocalConcurrencyLimiter implements ConcurrencyLimiter {
  #state: ConcurrencyState;
  #inFlight = 0;
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
    return { limit: this.#state.limit, inFlight: this.#inFlight };
  }

  async acquire(options: { urgent?: boolean } = {}): Promise<ConcurrencySlot> {
    const urgent = options.urgent === true;
    const free = () => (urgent ? urgentSlots(this.#state, this.#settings) : slots(this.#state));
    // An urgent caller waits at the head of the line.
    while (this.#inFlight >= free())
      await new Promise<void>((resolve) => (urgent ? this.#waiters.unshift(resolve) : this.#waiters.push(resolve)));
    this.#inFlight++;
    this.#onChange?.(this.view());
    let released = false;
    return {
      release: async (outcome: CallOutcome) => {
        if (released) return;
        released = true;
        this.#inFlight--;
        this.#state = nextState(this.#state, outcome, this.#settings, this.#now());
        this.#onChange?.(this.view());
        this.#wake();
      },
    };
  }

  #wake(): void {
    let free = slots(this.#state) - this.#inFlight;
    while (free-- > 0 && this.#waiters.length > 0) this.#waiters.shift()?.();
  }
}
