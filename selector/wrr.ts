// Smooth weighted round robin (nginx's algorithm, Kratos's default balancer): each pick adds
// every candidate's weight to its running score, takes the highest and subtracts the total.
// Over any run of picks as long as the total weight, each node is picked exactly its weight's
// share, and heavy nodes are interleaved rather than picked in bursts.
import type { Balancer } from "./balancer.ts";
import { type Node, nodeKey } from "./node.ts";

/** A smooth weighted round-robin balancer (weights from node metadata `weight`). */
export function wrr(): Balancer {
  const current = new Map<string, number>();
  const noop = () => {};
  return {
    name: "wrr",
    pick(candidates) {
      let total = 0;
      let best: Node = candidates[0];
      let bestScore = -Infinity;
      for (const node of candidates) {
        const key = nodeKey(node);
        const score = (current.get(key) ?? 0) + node.weight;
        current.set(key, score);
        total += node.weight;
        if (score > bestScore) {
          bestScore = score;
          best = node;
        }
      }
      current.set(nodeKey(best), bestScore - total);
      return { node: best, done: noop };
    },
    apply(nodes) {
      const keep = new Set(nodes.map(nodeKey));
      for (const key of current.keys()) if (!keep.has(key)) current.delete(key);
    },
  };
}
