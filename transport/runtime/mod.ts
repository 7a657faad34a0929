/**
 * Runtime adapters: the native listener of each runtime behind one contract.
 * @module
 */
export { detectRuntime, type RuntimeName } from "./detect.ts";
export { aborted, clientAuth } from "./listener.ts";
export type { FetchHandler, Listener, ListenFn, ListenOptions, TlsOptions } from "./listener.ts";
export { listenDeno } from "./deno.ts";
export { listenBun } from "./bun.ts";
import { detectRuntime } from "./detect.ts";
import { listenBun } from "./bun.ts";
import { listenDeno } from "./deno.ts";
import type { ListenFn } from "./listener.ts";

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
