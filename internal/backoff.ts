// Retry pacing shared by everything that talks to a remote store in the background (registry
// heartbeats and watches, config watches): capped exponential backoff with jitter, and a sleep
// that an AbortSignal cuts short so loops stop promptly.
import { atLeast, positive } from "./options.ts";

/**
 * Retry pacing, as every component that retries takes it (`backoff: { initialMs, maxMs }`):
 * delays start at `initialMs` and grow by `factor` up to `maxMs`.
 */
export interface BackoffOptions {
  /** First delay in ms (the default depends on the component). */
  readonly initialMs?: number;
  /** Upper bound of any delay in ms (the default depends on the component). */
  readonly maxMs?: number;
  /** Growth per attempt (default 2). */
  readonly factor?: number;
  /** Random source in [0, 1) (default Math.random), injectable for deterministic tests. */
  readonly random?: () => number;
}

/** Checked backoff settings. */
export interface BackoffSettings {
  /** First delay in ms. */
  readonly initialMs: number;
  /** Upper bound of any delay in ms. */
  readonly maxMs: number;
  /** Growth per attempt. */
  readonly factor: number;
}

/**
 * Checks `options` against `defaults`; a bad value raises `InvalidOptionError` naming
 * `<component>: backoff.<field>`.
 */
export function backoffSettings(
  component: string,
  options: BackoffOptions | undefined,
  defaults: { readonly initialMs: number; readonly maxMs: number },
): BackoffSettings {
  return {
    initialMs: positive(component, "backoff.initialMs", options?.initialMs ?? defaults.initialMs),
    maxMs: positive(component, "backoff.maxMs", options?.maxMs ?? defaults.maxMs),
    factor: atLeast(component, "backoff.factor", options?.factor ?? 2, 1),
  };
}

/** A sequence of retry delays. */
export interface Backoff {
  /** The delay before the next attempt; grows until the cap. */
  next(): number;
  /** Starts over from the first delay (after a success). */
  reset(): void;
}

/**
 * Capped exponential backoff with "equal jitter": each delay lies in [d/2, d]. Bad options
 * raise `InvalidOptionError` naming `component` (default 500 ms growing to 10 s).
 */
export function backoff(options: BackoffOptions = {}, component = "backoff"): Backoff {
  const { initialMs: initial, maxMs: max, factor } = backoffSettings(component, options, {
    initialMs: 500,
    maxMs: 10_000,
  });
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
