// A retry budget (Finagle's RetryBudget, gRPC's retry throttling): every call earns a fraction
// of a retry and time earns a steady trickle, so retries stay within a share of the traffic
// plus a floor. When a backend is down, a retrying client then adds at most that share of
// load instead of multiplying it by the attempt count.
import { nonNegative } from "../../internal/options.ts";

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
    this.#ratio = nonNegative("retry", "budget.ratio", options.ratio ?? 0.2);
    this.#perMs = nonNegative("retry", "budget.perSecond", options.perSecond ?? 10) / 1000;
    this.#burst = nonNegative("retry", "budget.burst", options.burst ?? 100);
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
