// Uniform random choice: no state, no feedback; the baseline balancer.
import type { Balancer, BalancerOptions } from "./balancer.ts";

// No feedback to record: one shared, stateless done for every pick.
const noop = () => {};

/** A balancer that picks uniformly at random. */
export function random(options: BalancerOptions = {}): Balancer {
  const rand = options.random ?? Math.random;
  return {
    name: "random",
    pick(candidates) {
      const index = Math.min(Math.floor(rand() * candidates.length), candidates.length - 1);
      return { node: candidates[index], done: noop };
    },
    apply() {},
  };
}
