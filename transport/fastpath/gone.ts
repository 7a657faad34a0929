// The fast path's answer to a client that goes away mid-call: the handler's signal aborts. The
// servers say how they learn of it (a node:http2 stream closing, a Fetch request's signal); the
// watch starts only when the handler first reads its signal, so a call whose handler never
// looks costs no listener, and Deno.serve's request.signal is read only for a handler that uses
// its own (Deno then warns, once, that request.signal also aborts after successful responses,
// which the watch, stopped when the call ends, never sees).
import type * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";

/** Aborts a call's controller when its client goes away; returns what stops the watch. */
export type ClientGone = (controller: AbortController) => () => void;

/** The reason a call's signal aborts with when its client went away. */
export const clientGone: ConnectError = new ConnectError("the client went away", Code.Canceled);

/** What a call watches: its client, its controller, and the watch once started. */
export interface GoneWatch {
  /** How the server learns that the client went away (absent: it cannot). */
  readonly gone: ClientGone | undefined;
  /** The call's controller, the handler's signal. */
  readonly controller: AbortController;
  /** Stops the watch once it started. */
  stop: (() => void) | undefined;
}

/** Starts `watch`'s watch, once. */
export function startWatch(watch: GoneWatch): void {
  if (watch.gone === undefined || watch.stop !== undefined) return;
  watch.stop = watch.gone(watch.controller);
}

/** A node:http2 stream's client is gone when the stream closes before the call ends. */
export function streamGone(stream: http2.ServerHttp2Stream): ClientGone {
  return (controller) => {
    const onClose = () => controller.abort(clientGone);
    if (stream.closed || stream.destroyed) {
      onClose();
      return noop;
    }
    stream.once("close", onClose);
    return () => stream.off("close", onClose);
  };
}

/** A Fetch request's client is gone when the request's signal aborts before the call ends. */
export function requestGone(request: Request): ClientGone {
  return (controller) => {
    const signal = request.signal;
    const onAbort = () => controller.abort(clientGone);
    if (signal.aborted) {
      onAbort();
      return noop;
    }
    signal.addEventListener("abort", onAbort, { once: true });
    return () => signal.removeEventListener("abort", onAbort);
  };
}

const noop = () => {};
