// Token buckets per key, for the per-tenant quotas Kratos's limiter lacks: each key earns
// `rate` tokens a second up to `burst`, and a call spends one.
import { atLeast, intAtLeast, positive } from "../../internal/options.ts";

/** Knobs of the buckets. */
export interface TokenBucketSettings {
  /** Tokens earned per second. */
  readonly rate: number;
  /** Most tokens a key can save up, and its allowance at first sight. */
  readonly burst: number;
  /** Keys tracked at most (default 10 000); refilled keys are forgotten first. */
  readonly maxKeys?: number;
  /** Clock in ms (default `performance.now`). */
  readonly now?: () => number;
}

interface Bucket {
  tokens: number;
  last: number;
}

/** A set of token buckets by key. */
export class TokenBuckets {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  /** Empty buckets; throws `InvalidOptionError` on bad settings. */
  constructor(settings: TokenBucketSettings) {
    const { burst } = settings;
    const rate = positive("ratelimit.tokenBucket", "rate", settings.rate);
    atLeast("ratelimit.tokenBucket", "burst", burst, 1);
    const maxKeys = intAtLeast("ratelimit.tokenBucket", "maxKeys", settings.maxKeys ?? 10_000, 1);
    this.#perMs = rate / 1000;
    this.#burst = burst;
    this.#maxKeys = maxKeys;
    this.#now = settings.now ?? (() => performance.now());
  }

  /** Keys tracked now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Spends a token of `key`: 0 if there was one, else the ms until there will be. */
  take(key: string): number {
    const now = this.#now();
    let b = this.#buckets.get(key);
    if (b === undefined) {
      if (this.#buckets.size >= this.#maxKeys) this.#forget(now);
      b = { tokens: this.#burst, last: now };
      this.#buckets.set(key, b);
    } else if (now > b.last) {
      b.tokens = Math.min(this.#burst, b.tokens + (now - b.last) * this.#perMs);
      b.last = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / this.#perMs);
  }

  // A key whose bucket has refilled is indistinguishable from one never seen: drop those. If
  // too few are, drop the fullest tenth: forgetting a key refills it, and a flood of new keys
  // must not refill the keys that are spending (a drained key is the last to go).
  #forget(now: number): void {
    const level = (b: Bucket) => Math.min(this.#burst, b.tokens + (now - b.last) * this.#perMs);
    for (const [key, b] of this.#buckets) {
      if (level(b) >= this.#burst) this.#buckets.delete(key);
    }
    if (this.#buckets.size < this.#maxKeys * 0.9) return;
    const fullest = [...this.#buckets].sort((x, y) => level(y[1]) - level(x[1]));
    const drop = Math.ceil(this.#maxKeys / 10);
    for (let i = 0; i < drop; i++) this.#buckets.delete(fullest[i][0]);
  }
}
