// The balancer contract. A balancer keeps per-node state (weights, latency) keyed by node
// identity; the selector hands it the already-filtered candidates of each pick.
import type { Node } from "./node.ts";

/** What a finished call reports back to the balancer. */
export interface DoneInfo {
  /** The failure, when the call failed because of the node (not the caller's own error). */
  readonly error?: unknown;
  /** Measured latency in ms; the balancer's clock is used when absent. */
  readonly latencyMs?: number;
}

/** The outcome of a pick. */
export interface Picked {
  /** The chosen node. */
  readonly node: Node;
  /** Reports the call's end; call it exactly once (later calls are ignored). */
  done(info?: DoneInfo): void;
}

/** Chooses one node among candidates. */
export interface Balancer {
  /** Name, e.g. `p2c`. */
  readonly name: string;
  /** Chooses among `candidates`, which is never empty. */
  pick(candidates: readonly Node[]): Picked;
  /** Told the full node list whenever it changes, so state of vanished nodes can go. */
  apply(nodes: readonly Node[]): void;
}

/** Sources of time and randomness, injectable so tests are deterministic. */
export interface BalancerOptions {
  /** Milliseconds, monotonic enough for durations (default `performance.now`). */
  readonly now?: () => number;
  /** Uniform in [0, 1) (default `Math.random`). */
  readonly random?: () => number;
}

/** A done callback that runs `fn` once. */
export function once(fn: (info: DoneInfo) => void): (info?: DoneInfo) => void {
  let called = false;
  return (info = {}) => {
    if (called) return;
    called = true;
    fn(info);
  };
}
