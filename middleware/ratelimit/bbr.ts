// Kratos's default limiter, aegis's BBR: admit while CPU is below the threshold; above it,
// admit only while the calls in flight do not exceed what the server has shown it can finish
// (Little's law: the most calls passed in one bucket × the lowest average latency). After a
// drop the in-flight check keeps applying for a cool-down even if CPU falls, so the limiter
// does not flap with the CPU reading.
import { inRange, intAtLeast, nonNegative, positive } from "../../internal/options.ts";

/** Knobs of the BBR limiter (aegis's defaults). */
export interface BbrOptions {
  /** Window of the pass and latency statistics, in ms (default 10 000). */
  readonly windowMs?: number;
  /** Buckets the window is kept in (default 100). */
  readonly buckets?: number;
  /** CPU reading, per-mille, from which calls may be shed (default 800, i.e. 80 %). */
  readonly cpuThreshold?: number;
  /** How long after the first drop the in-flight check applies whatever the CPU, ms (default 1000). */
  readonly cooldownMs?: number;
  /**
   * CPU gauge in per-mille (default: this process's CPU time over one core, sampled every
   * 500 ms with EWMA decay 0.95; where there is none, as on Workers, nothing is ever shed).
   */
  readonly cpu?: () => number;
  /** Clock in ms (default `performance.now`), injectable for tests. */
  readonly now?: () => number;
}

/** What the limiter sees, as aegis's `Stat()`. */
export interface BbrStat {
  /** CPU reading, per-mille. */
  readonly cpu: number;
  /** Calls admitted and not yet done. */
  readonly inFlight: number;
  /** Calls in flight allowed while shedding. */
  readonly maxInFlight: number;
  /** Lowest average latency of a bucket in the window, whole ms (at least 1). */
  readonly minRtMs: number;
  /** Most calls completed in one bucket of the window (at least 1). */
  readonly maxPass: number;
}

/** Ends an admitted call. */
export type Done = () => void;

/** Admits or sheds calls. */
export interface Limiter {
  /** A `Done` to call when the admitted call ends, or `undefined` to shed it. */
  allow(): Done | undefined;
}

/** The BBR limiter; see `createBbrLimiter`. */
export class BbrLimiter implements Limiter {
  readonly #cpu: () => number;
  readonly #now: () => number;
  readonly #buckets: number;
  readonly #bucketMs: number;
  readonly #bucketsPerSecond: number;
  readonly #threshold: number;
  readonly #coolDown: number;
  // Ring of buckets: which bucket index a slot holds, and its counts.
  readonly #slot: number[];
  readonly #pass: number[];
  readonly #rtSum: number[];
  readonly #rtCount: number[];
  #inFlight = 0;
  #firstDrop: number | undefined;
  // maxPass and minRT change only when a bucket completes: computed once per bucket.
  #statBucket = Number.NaN;
  #maxPass = 1;
  #minRt = 1;

  /** Use `createBbrLimiter`; `cpu` must be set (the factory supplies the default). */
  constructor(options: BbrOptions & { readonly cpu: () => number }) {
    const windowMs = positive("ratelimit", "windowMs", options.windowMs ?? 10_000);
    const buckets = intAtLeast("ratelimit", "buckets", options.buckets ?? 100, 2);
    this.#threshold = inRange("ratelimit", "cpuThreshold", options.cpuThreshold ?? 800, 0, 1000);
    this.#coolDown = nonNegative("ratelimit", "cooldownMs", options.cooldownMs ?? 1_000);
    this.#cpu = options.cpu;
    this.#now = options.now ?? (() => performance.now());
    this.#buckets = buckets;
    this.#bucketMs = windowMs / buckets;
    this.#bucketsPerSecond = 1000 / this.#bucketMs;
    this.#slot = new Array(buckets).fill(-Infinity);
    this.#pass = new Array(buckets).fill(0);
    this.#rtSum = new Array(buckets).fill(0);
    this.#rtCount = new Array(buckets).fill(0);
  }

  /** Admits a call (returning its `Done`) or sheds it (`undefined`). */
  allow(): Done | undefined {
    const start = this.admit();
    if (start !== start) return undefined;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.release(start);
    };
  }

  /**
   * Admits a call, returning its start time for `release`, or sheds it (`NaN`): `allow()`
   * without a closure, for middleware that ends each admitted call exactly once.
   */
  admit(): number {
    const now = this.#now();
    if (this.#shouldDrop(now)) return Number.NaN;
    this.#inFlight++;
    return now;
  }

  /** Ends a call `admit()` admitted at `start`. */
  release(start: number): void {
    const end = this.#now();
    const i = this.#bucketAt(end);
    this.#rtSum[i] += end - start;
    this.#rtCount[i]++;
    this.#pass[i]++;
    this.#inFlight--;
  }

  /** The current statistics. */
  stat(): BbrStat {
    const now = this.#now();
    return {
      cpu: this.#cpu(),
      inFlight: this.#inFlight,
      maxInFlight: this.#maxInFlight(now),
      minRtMs: this.#minRt,
      maxPass: this.#maxPass,
    };
  }

  #shouldDrop(now: number): boolean {
    if (this.#cpu() < this.#threshold) {
      if (this.#firstDrop === undefined) return false;
      if (now - this.#firstDrop <= this.#coolDown) return this.#overloaded(now);
      this.#firstDrop = undefined;
      return false;
    }
    const drop = this.#overloaded(now);
    if (drop && this.#firstDrop === undefined) this.#firstDrop = now;
    return drop;
  }

  #overloaded(now: number): boolean {
    return this.#inFlight > 1 && this.#inFlight > this.#maxInFlight(now);
  }

  #maxInFlight(now: number): number {
    this.#stats(now);
    return Math.floor((this.#maxPass * this.#minRt * this.#bucketsPerSecond) / 1000 + 0.5);
  }

  // Over the completed buckets of the window (the current one is still filling, as aegis
  // leaves it out): the most passes in a bucket, and the lowest average latency rounded up.
  #stats(now: number): void {
    const current = Math.floor(now / this.#bucketMs);
    if (current !== this.#statBucket) {
      let maxPass = 1;
      let minRt = Infinity;
      for (let i = 0; i < this.#buckets; i++) {
        const index = this.#slot[i];
        if (index >= current || index <= current - this.#buckets) continue;
        if (this.#pass[i] > maxPass) maxPass = this.#pass[i];
        if (this.#rtCount[i] > 0) minRt = Math.min(minRt, this.#rtSum[i] / this.#rtCount[i]);
      }
      this.#maxPass = maxPass;
      this.#minRt = minRt === Infinity ? 1 : Math.max(1, Math.ceil(minRt));
      this.#statBucket = current;
    }
  }

  #bucketAt(now: number): number {
    const index = Math.floor(now / this.#bucketMs);
    const i = ((index % this.#buckets) + this.#buckets) % this.#buckets;
    if (this.#slot[i] !== index) {
      this.#slot[i] = index;
      this.#pass[i] = 0;
      this.#rtSum[i] = 0;
      this.#rtCount[i] = 0;
    }
    return i;
  }
}
