// Uniform random choice: no state, no feedback; the baseline balancer.
import { type Balancer, type BalancerOptions, once } from "./balancer.ts";

/** A balancer that picks uniformly at random. */
export function random(options: BalancerOptions = {}): Balancer {
  const rand = options.random ?? Math.random;
  return {
    name: "random",
    pick(candidates) {
      const index = Math.min(Math.floor(rand() * candidates.length), candidates.length - 1);
      return { node: candidates[index], done: once(() => {}) };
    },
    apply() {},
  };
}
