/**
 * Runtime adapters: the native listener of each runtime behind one contract.
 * @module
 */
export { detectRuntime, type RuntimeName } from "./detect.ts";
export { aborted, clientAuth } from "./listener.ts";
export type { FetchHandler, Listener, ListenFn, ListenOptions, TlsOptions } from "./listener.ts";
import { detectRuntime } from "./detect.ts";
import type { ListenFn } from "./listener.ts";

// Each listener's module loads on its first call (an async bind anyway): a runtime loads only
// its own, and a Worker bundle, which never binds, can leave all three out.

/** Binds `Deno.serve`. Its module loads on the first call. */
export const listenDeno: ListenFn = (handler, options) =>
  import("./deno.ts").then((m) => m.listenDeno(handler, options));

/** Binds `Bun.serve`. Its module loads on the first call. */
export const listenBun: ListenFn = (handler, options) =>
  import("./bun.ts").then((m) => m.listenBun(handler, options));

/**
 * Binds a `node:http` (+ h2c) server, or `node:https` with TLS. Its module (and node:http,
 * node:buffer, node:process with it) loads on the first call, so Deno and Bun never load it.
 */
export const listenNode: ListenFn = (handler, options) =>
  import("./node.ts").then((m) => m.listenNode(handler, options));

/** The native listener for the current runtime, or `undefined` on Workers (fetch only). */
export function nativeListener(): ListenFn | undefined {
  switch (detectRuntime()) {
    case "deno":
      return listenDeno;
    case "bun":
      return listenBun;
    case "node":
      return listenNode;
    default:
      return undefined;
  }
}
export { onSignals } from "./signals.ts";
export { KJ_GRACE_BYTES, serveDroppingUnreadBody } from "./worker_body.ts";
