/**
 * Metadata that crosses service hops, with Kratos's rules: `metadata.server()` captures every
 * `x-md-*` header of an incoming call; `metadata.client()` sends its constants, the client
 * context, and the incoming `x-md-global-*` keys — so `x-md-local-*` stops after one hop while
 * `x-md-global-*` reaches every service downstream. Unlike Kratos, every value of a key survives
 * on every protocol, and streaming calls carry metadata too.
 *
 * @example
 * ```ts
 * import * as metadata from "@atreus/atreus/metadata";
 * const serverMiddleware = [metadata.server()];
 * const clientMiddleware = [metadata.client({ constants: { "x-md-global-caller": "gateway" } })];
 * // in a handler:
 * metadata.fromServerContext()?.get("x-md-global-user"); // from the caller
 * metadata.appendToClientContext("x-md-global-trace", "t1"); // sent by later outgoing calls
 * ```
 * @module
 */
export { Metadata } from "./metadata.ts";
export {
  appendToClientContext,
  clientMetadataKey,
  fromClientContext,
  fromServerContext,
  mergeToClientContext,
  serverMetadataKey,
  withClientMetadata,
} from "./context.ts";
export { client, type MetadataOptions, server } from "./middleware.ts";
