/**
 * Client-side load balancing, as Kratos's `selector`: nodes built from registry instances,
 * balancers (`p2c`, `wrr`, `random`), context-aware node filters, and a resolver that keeps a
 * selector in step with a discovery watcher.
 *
 * @module
 */
export type { Balancer, BalancerOptions, DoneInfo, Picked } from "./balancer.ts";
export { NoAvailableNodeError, SelectorError, type SelectorErrorCode } from "./errors.ts";
export { type NodeFilter, type PickContext, version, where } from "./filter.ts";
export { pickedNodeKey, pickFiltersKey } from "./peer.ts";
export {
  createNode,
  DEFAULT_WEIGHT,
  type Node,
  nodeKey,
  toNodes,
  type ToNodesOptions,
} from "./node.ts";
export { p2c, type P2cOptions } from "./p2c.ts";
export { random } from "./random.ts";
export { type Resolver, type ResolverOptions, startResolver } from "./resolver.ts";
export type { BackoffOptions } from "../internal/backoff.ts";
export { createSelector, type Selector, type SelectorOptions } from "./selector.ts";
export { wrr } from "./wrr.ts";
