// A retry budget (Finagle's RetryBudget, gRPC's retry throttling): every call earns a fraction
// of a retry and time earns a steady trickle, so retries stay within a share of the traffic
// plus a floor. When a backend is down, a retrying client then adds at most that share of
// load instead of multiplying it by the attempt count.

/** How large the budget is. */
export interface RetryBudgetOptions {
  /** Retries earned per call (default 0.2: retries ≤ 20 % of calls). */
  readonly ratio?: number;
  /** Retries earned per second regardless of traffic, so quiet clients can retry (default 10). */
  readonly perSecond?: number;
  /** Most retries saved up (default 100); the budget starts full. */
  readonly burst?: number;
}

/** A token bucket of retries. */
export class RetryBudget {
  readonly #ratio: number;
  readonly #perMs: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  /** A full budget. */
  constructor(options: RetryBudgetOptions, now: () => number) {
    this.#ratio = check(options.ratio ?? 0.2, "ratio");
    this.#perMs = check(options.perSecond ?? 10, "perSecond") / 1000;
    this.#burst = check(options.burst ?? 100, "burst");
    this.#now = now;
    this.#tokens = this.#burst;
    this.#last = now();
  }

  /** Retries available now. */
  get available(): number {
    this.#refill();
    return this.#tokens;
  }

  /** A call was made: it earns `ratio` of a retry. */
  deposit(): void {
    this.#refill();
    this.#tokens = Math.min(this.#burst, this.#tokens + this.#ratio);
  }

  /** Takes one retry if the budget has it. */
  withdraw(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #refill(): void {
    const t = this.#now();
    if (t > this.#last) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (t - this.#last) * this.#perMs);
    }
    this.#last = t;
  }
}

function check(v: number, name: string): number {
  if (!(Number.isFinite(v) && v >= 0)) {
    throw new RangeError(`retry: budget.${name} must be a number >= 0, got ${v}`);
  }
  return v;
}
