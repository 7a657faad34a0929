// Retry pacing shared by everything that talks to a remote store in the background (registry
// heartbeats and watches, config watches): capped exponential backoff with jitter, and a sleep
// that an AbortSignal cuts short so loops stop promptly.
import { atLeast, positive } from "./options.ts";

/** How a backoff grows. */
export interface BackoffOptions {
  /** First delay in ms (default 500). */
  readonly initialMs?: number;
  /** Upper bound of any delay in ms (default 10 000). */
  readonly maxMs?: number;
  /** Growth per attempt (default 2). */
  readonly factor?: number;
  /** Random source in [0, 1) (default Math.random), injectable for deterministic tests. */
  readonly random?: () => number;
}

/** A sequence of retry delays. */
export interface Backoff {
  /** The delay before the next attempt; grows until the cap. */
  next(): number;
  /** Starts over from the first delay (after a success). */
  reset(): void;
}

/** Capped exponential backoff with "equal jitter": each delay lies in [d/2, d]. */
export function backoff(options: BackoffOptions = {}): Backoff {
  const initial = positive("backoff", "initialMs", options.initialMs ?? 500);
  const max = positive("backoff", "maxMs", options.maxMs ?? 10_000);
  const factor = atLeast("backoff", "factor", options.factor ?? 2, 1);
  const random = options.random ?? Math.random;
  let attempt = 0;
  return {
    next() {
      const ceiling = Math.min(max, initial * factor ** attempt);
      if (ceiling < max) attempt++;
      // Half fixed, half random: never zero (no hot loop), and clients that failed together
      // spread out instead of retrying in lockstep.
      return Math.round(ceiling / 2 + (ceiling / 2) * random());
    },
    reset() {
      attempt = 0;
    },
  };
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
