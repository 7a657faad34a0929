// Per-node load statistics for p2c, after Kratos's ewma node: latency and success rate decay
// exponentially with time (tau 600 ms), so a node that was slow a few seconds ago is judged by
// what it does now. Calls still running count too: when most in-flight calls are older than
// the average latency, the node is probably stalling and their mean age stands in for latency.

/** Decay constant of the averages, in ms. */
export const TAU_MS = 600;
/** Added to latency so fast nodes are not infinitely better than slightly slower ones. */
const PENALTY_MS = 5;
/** In-flight start times remembered for the stall prediction. */
const MAX_TRACKED = 200;

/** Latency, success and load of one node. */
export class NodeStats {
  /** EWMA latency in ms (0 until the first sample). */
  lag = 0;
  /** EWMA success rate in [0, 1]. */
  success = 1;
  /** Calls in flight. */
  inflight = 0;
  /** When the averages were last updated. */
  stamp: number;
  /** When the node was last picked. */
  lastPick: number;
  readonly #started = new Map<number, number>();
  #nextId = 0;

  constructor(now: number) {
    this.stamp = now;
    this.lastPick = now;
  }

  /** Records a call start; returns a token for `end`. */
  start(now: number): number {
    this.inflight++;
    this.lastPick = now;
    const id = this.#nextId++;
    if (this.#started.size < MAX_TRACKED) this.#started.set(id, now);
    return id;
  }

  /** Records a call end. */
  end(token: number, now: number, latencyMs: number, ok: boolean): void {
    this.inflight = Math.max(0, this.inflight - 1);
    this.#started.delete(token);
    const w = Math.exp(-Math.max(0, now - this.stamp) / TAU_MS);
    this.stamp = now;
    const latency = Math.max(0, latencyMs);
    this.lag = this.lag === 0 ? latency : this.lag * w + latency * (1 - w);
    this.success = this.success * w + (ok ? 1 : 0) * (1 - w);
  }

  /** Higher is better: the node's static weight times success over load. */
  score(now: number, weight: number): number {
    const lag = Math.max(this.lag, this.#predictedLag(now));
    const load = Math.sqrt(lag + PENALTY_MS) * (this.inflight + 1);
    return (weight * this.success) / load;
  }

  #predictedLag(now: number): number {
    if (this.#started.size === 0) return 0;
    let stalled = 0;
    let total = 0;
    for (const t of this.#started.values()) {
      const age = now - t;
      if (age > this.lag) {
        stalled++;
        total += age;
      }
    }
    return stalled * 2 > this.#started.size ? total / stalled : 0;
  }
}
