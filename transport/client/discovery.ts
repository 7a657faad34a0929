// Discovery for a `discovery:///name` client. The client is usable at once: calls made before
// the first list arrives wait for it (bounded by their own deadline). If the registry cannot be
// reached at start, those calls fail with Unavailable while the watch keeps being retried in
// the background; once a list arrived, the resolver keeps the last good one through outages.
import { backoff, type BackoffOptions, sleep } from "../../internal/backoff.ts";
import type { Discovery } from "../../registry/mod.ts";
import { type Resolver, type Selector, startResolver } from "../../selector/mod.ts";

type State =
  | { readonly kind: "pending" }
  | { readonly kind: "ready" }
  | { readonly kind: "failed"; readonly error: Error };

/** What `startDiscovery` needs. */
export interface DiscoveryOptions {
  /** Endpoint schemes to keep, preferred first. */
  readonly schemes: readonly string[];
  /** Told about failed watches and malformed endpoints. */
  readonly onError: (error: Error) => void;
  /** Pacing of retries of a watch that could not be opened or broke. */
  readonly backoff?: BackoffOptions;
}

/** A running discovery feeding a selector. */
export interface NodeSource {
  /**
   * Resolves once nodes are known; rejects with the registry's error while the first watch
   * cannot be opened, or with `signal`'s reason.
   */
  ready(signal: AbortSignal): Promise<void>;
  /** Whether nodes are known, so `ready` would resolve at once (calls need not wait for it). */
  isReady(): boolean;
  /** Stops watching. */
  stop(): Promise<void>;
}

/** Starts watching `name` into `selector`, retrying the first watch until it opens. */
export function startDiscovery(
  discovery: Discovery,
  name: string,
  selector: Selector,
  options: DiscoveryOptions,
): NodeSource {
  const controller = new AbortController();
  let state: State = { kind: "pending" };
  let settled!: () => void;
  // Resolves after the first attempt, whatever its outcome, so waiting calls get an answer.
  const firstOutcome = new Promise<void>((resolve) => (settled = resolve));
  let resolver: Resolver | undefined;
  const retry = backoff(options.backoff, "client");

  const run = (async () => {
    while (!controller.signal.aborted) {
      try {
        resolver = await startResolver(discovery, name, selector, {
          schemes: options.schemes,
          signal: controller.signal,
          onError: options.onError,
          backoff: options.backoff,
        });
        state = { kind: "ready" };
        settled();
        return;
      } catch (error) {
        if (controller.signal.aborted) return;
        const e = error instanceof Error ? error : new Error(String(error));
        state = { kind: "failed", error: e };
        settled();
        options.onError(e);
        await sleep(retry.next(), controller.signal).catch(() => {});
      }
    }
  })();

  return {
    async ready(signal) {
      if (state.kind === "pending") {
        signal.throwIfAborted();
        let onAbort!: () => void;
        const aborted = new Promise<never>((_, reject) => {
          onAbort = () => reject(signal.reason);
          signal.addEventListener("abort", onAbort, { once: true });
        });
        try {
          await Promise.race([firstOutcome, aborted]);
        } finally {
          signal.removeEventListener("abort", onAbort);
        }
      }
      const s = state as State;
      if (s.kind === "failed") throw s.error;
    },
    isReady: () => state.kind === "ready",
    async stop() {
      controller.abort();
      settled();
      await run;
      await resolver?.stop();
    },
  };
}
