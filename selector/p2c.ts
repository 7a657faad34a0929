// Power of two choices over EWMA load (Kratos's p2c with ewma nodes): draw two distinct nodes
// at random and take the better score. Two draws avoid the herd a "global best" causes, and the
// loser still gets picked once after 3 s unpicked, so a node that recovered is noticed.
import { type Balancer, type BalancerOptions, once } from "./balancer.ts";
import { NodeStats } from "./ewma.ts";
import { type Node, nodeKey } from "./node.ts";

/** Options of `p2c`. */
export interface P2cOptions extends BalancerOptions {
  /** Force-pick a node not picked for this long, in ms (default 3 000, as Kratos). */
  readonly forcePickMs?: number;
}

/** A p2c balancer fed by done-callbacks (latency, errors). */
export function p2c(options: P2cOptions = {}): Balancer {
  const now = options.now ?? (() => performance.now());
  const rand = options.random ?? Math.random;
  const forcePickMs = options.forcePickMs ?? 3_000;
  const stats = new Map<string, NodeStats>();
  const statsOf = (node: Node) => {
    const key = nodeKey(node);
    let s = stats.get(key);
    if (!s) stats.set(key, s = new NodeStats(now()));
    return s;
  };

  return {
    name: "p2c",
    pick(candidates) {
      const t = now();
      let node = candidates[0];
      if (candidates.length > 1) {
        const i = Math.floor(rand() * candidates.length) % candidates.length;
        let j = Math.floor(rand() * (candidates.length - 1)) % (candidates.length - 1);
        if (j >= i) j++;
        const [a, b] = [candidates[i], candidates[j]];
        const better = statsOf(a).score(t, a.weight) >= statsOf(b).score(t, b.weight);
        node = better ? a : b;
        const loser = better ? b : a;
        if (t - statsOf(loser).lastPick > forcePickMs) node = loser;
      }
      const s = statsOf(node);
      const token = s.start(t);
      return {
        node,
        done: once((info) => {
          const end = now();
          s.end(token, end, info.latencyMs ?? end - t, info.error === undefined);
        }),
      };
    },
    apply(nodes) {
      const keep = new Set(nodes.map(nodeKey));
      for (const key of stats.keys()) if (!keep.has(key)) stats.delete(key);
    },
  };
}
