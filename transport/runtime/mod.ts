/**
 * Runtime adapters: the native listener of each runtime behind one contract.
 * @module
 */
export { detectRuntime, type RuntimeName } from "./detect.ts";
export { aborted, clientAuth } from "./listener.ts";
export type { FetchHandler, Listener, ListenFn, ListenOptions, TlsOptions } from "./listener.ts";
export { listenDeno } from "./deno.ts";
export { listenBun } from "./bun.ts";
export { listenNode } from "./node.ts";
import { detectRuntime } from "./detect.ts";
import { listenBun } from "./bun.ts";
import { listenDeno } from "./deno.ts";
import { listenNode } from "./node.ts";
import type { ListenFn } from "./listener.ts";

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
