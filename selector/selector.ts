// The selector a client holds: the current node list (swapped whole by `apply`, so a pick never
// sees half an update), filters, and a balancer.
import { InvalidOptionError } from "../internal/options.ts";
import type { Balancer, Picked } from "./balancer.ts";
import { NoAvailableNodeError } from "./errors.ts";
import type { NodeFilter, PickContext } from "./filter.ts";
import type { Node } from "./node.ts";
import { wrr } from "./wrr.ts";

/** Options of `createSelector`. */
export interface SelectorOptions {
  /** Service name, for error messages. */
  readonly service?: string;
  /** The balancer (default `wrr()`, Kratos's default); one balancer per selector. */
  readonly balancer?: Balancer;
  /** Filters applied to every pick, before the pick's own. */
  readonly filters?: readonly NodeFilter[];
}

/** Holds the nodes of one service and picks one per call. */
export interface Selector {
  /** The balancer's name. */
  readonly balancer: string;
  /** Replaces the node list (e.g. with each list a discovery watcher delivers). */
  apply(nodes: readonly Node[]): void;
  /** The current node list. */
  nodes(): readonly Node[];
  /** Picks a node for one call; throws `NoAvailableNodeError` when none qualifies. */
  pick(context?: PickContext): Picked;
}

/** Creates a selector with no nodes yet. */
export function createSelector(options: SelectorOptions = {}): Selector {
  const balancer = options.balancer ?? wrr();
  const filters = [...(options.filters ?? [])];
  for (const f of filters) {
    if (typeof f !== "function") {
      throw new InvalidOptionError("selector", "filters", "an array of functions", f);
    }
  }
  const service = options.service ?? "";
  let nodes: readonly Node[] = [];
  return {
    balancer: balancer.name,
    apply(next) {
      nodes = Object.freeze([...next]);
      balancer.apply(nodes);
    },
    nodes: () => nodes,
    pick(context = {}) {
      let candidates = nodes;
      // Two loops rather than one over a joined array: this runs on every call.
      for (const filter of filters) {
        if (candidates.length === 0) break;
        candidates = filter(candidates, context);
      }
      for (const filter of context.filters ?? []) {
        if (candidates.length === 0) break;
        candidates = filter(candidates, context);
      }
      if (candidates.length === 0) throw new NoAvailableNodeError(service, nodes.length);
      return balancer.pick(candidates);
    },
  };
}
