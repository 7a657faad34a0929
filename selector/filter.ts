// Node filters run before balancing, per pick, in order. They receive the pick's context so a
// filter can route by request (canary by header, colouring), as Kratos's context-aware filters.
import type { Node } from "./node.ts";

/** What a pick knows about the call it is for. */
export interface PickContext {
  /** The operation, e.g. `/helloworld.v1.Greeter/SayHello`. */
  readonly operation?: string;
  /** Request metadata (headers) the filters may route on. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Filters for this pick only, run after the selector's own. */
  readonly filters?: readonly NodeFilter[];
}

/** Narrows the candidate nodes of one pick. */
export type NodeFilter = (nodes: readonly Node[], context: PickContext) => readonly Node[];

/** Keeps the nodes whose instance version is `version` (Kratos's filter.Version). */
export function version(version: string): NodeFilter {
  return (nodes) => nodes.filter((n) => n.version === version);
}

/** Keeps the nodes for which `predicate` holds. */
export function where(predicate: (node: Node, context: PickContext) => boolean): NodeFilter {
  return (nodes, context) => nodes.filter((n) => predicate(n, context));
}
