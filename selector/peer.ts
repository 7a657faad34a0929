// How client middleware talks to the node pick of an Atreus client (Kratos's selector peer
// context). The middleware runs around the pick (so retry can send each attempt to another
// node), and these two request-scoped slots let it steer the next pick and learn which node an
// attempt went to. They live with the selector, not in transport/client/, because the
// middleware that uses them must not import transport.
import { createContextKey } from "../internal/context.ts";
import type { NodeFilter } from "./filter.ts";
import type { Node } from "./node.ts";
import type { ContextKey } from "../internal/contract.ts";

/**
 * Context key: extra node filters for the picks of this call, after the client's own. Client
 * middleware sets it on `req.contextValues` (retry skips nodes that already failed the call; a
 * per-node circuit breaker skips nodes whose breaker is open). Replace the array, never mutate
 * it.
 */
export const pickFiltersKey: ContextKey<readonly NodeFilter[]> = /* @__PURE__ */ createContextKey<
  readonly NodeFilter[]
>([], { description: "atreus client pick filters" });

/**
 * Context key: the node the latest attempt of this call was sent to, set on `req.contextValues`
 * by `createClient` right after each pick (unset on plain Connect-ES transports).
 */
export const pickedNodeKey: ContextKey<Node | undefined> = /* @__PURE__ */ createContextKey<
  Node | undefined
>(
  undefined,
  { description: "atreus client picked node" },
);
