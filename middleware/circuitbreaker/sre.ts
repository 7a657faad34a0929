// Google SRE client-side adaptive throttling (the "Handling Overload" chapter), as aegis's
// sre breaker: over a rolling window a client counts its requests and the backend's accepts,
// and once requests exceed K × accepts it drops new requests locally with probability
// (requests − K·accepts) / (requests + 1). There is no open/closed state machine: throttling
// fades out by itself as failures leave the window.

/** Knobs of one breaker. */
export interface SreOptions {
  /** Success ratio the backend should keep up; K = 1 / success (default 0.6, K ≈ 1.67). */
  readonly success: number;
  /** Requests in the window below which nothing is dropped (default 100). */
  readonly request: number;
  /** Window length in ms (default 3000). */
  readonly windowMs: number;
  /** Buckets the window is kept in (default 10). */
  readonly buckets: number;
  /** Clock in ms. */
  readonly now: () => number;
  /** Uniform in [0, 1). */
  readonly random: () => number;
}

/** One adaptive-throttling breaker. */
export class SreBreaker {
  readonly #o: SreOptions;
  readonly #bucketMs: number;
  // Ring of buckets: the bucket index (time / bucketMs) each slot holds, and its counts.
  readonly #slot: number[];
  readonly #total: number[];
  readonly #accepts: number[];

  /** A breaker with an empty window. */
  constructor(options: SreOptions) {
    this.#o = options;
    this.#bucketMs = options.windowMs / options.buckets;
    this.#slot = new Array(options.buckets).fill(-Infinity);
    this.#total = new Array(options.buckets).fill(0);
    this.#accepts = new Array(options.buckets).fill(0);
  }

  /** Requests and accepts in the window ending now. */
  counts(): { total: number; accepts: number } {
    const current = Math.floor(this.#o.now() / this.#bucketMs);
    let total = 0;
    let accepts = 0;
    for (let i = 0; i < this.#o.buckets; i++) {
      if (this.#slot[i] > current - this.#o.buckets) {
        total += this.#total[i];
        accepts += this.#accepts[i];
      }
    }
    return { total, accepts };
  }

  /** Whether to let a request through (a random draw once throttling applies). */
  allow(): boolean {
    const { total, accepts } = this.counts();
    const k = accepts / this.#o.success;
    if (total < this.#o.request || total < k) return true;
    const dropRatio = Math.max(0, (total - k) / (total + 1));
    return this.#o.random() >= dropRatio;
  }

  /** Records a request the backend accepted. */
  markSuccess(): void {
    this.#add(1);
  }

  /** Records a request that failed on the backend's side, or was dropped locally. */
  markFailure(): void {
    this.#add(0);
  }

  #add(accepted: number): void {
    const index = Math.floor(this.#o.now() / this.#bucketMs);
    const i = ((index % this.#o.buckets) + this.#o.buckets) % this.#o.buckets;
    if (this.#slot[i] !== index) {
      this.#slot[i] = index;
      this.#total[i] = 0;
      this.#accepts[i] = 0;
    }
    this.#total[i]++;
    this.#accepts[i] += accepted;
  }
}
