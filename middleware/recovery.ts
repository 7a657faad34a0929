// Kratos's recovery: a throw or rejection in a handler (or mid-stream) becomes an internal
// error for the caller, with the stack logged and never sent.
import { ConnectError } from "@connectrpc/connect";
import { fromError, internal, isAtreusError } from "../errors/mod.ts";
import { getLogger, logGenerated, type Logger } from "../log/mod.ts";
import type { CallRequest, CallResponse, Middleware } from "../internal/contract.ts";
import { operation } from "./chain.ts";

/** Options of `recovery`. */
export interface RecoveryOptions {
  /** Where to log the stack (default: the global logger). */
  readonly logger?: Logger;
  /** Maps the unexpected error to what the caller gets (default: internal error). */
  readonly handler?: (error: unknown, req: CallRequest) => unknown;
}

/**
 * Catches unexpected errors: typed errors (AtreusError, ConnectError) pass unchanged; anything
 * else is logged with its stack and replaced by a 500 `INTERNAL` error without details.
 */
export function recovery(options: RecoveryOptions = {}): Middleware {
  const logger = options.logger ?? getLogger();
  const handle = options.handler ??
    (() => internal("INTERNAL", "internal error"));
  const recover = (error: unknown, req: CallRequest): unknown => {
    // ConnectError's instanceof also accepts errors from another copy of Connect-ES.
    if (isAtreusError(error) || error instanceof ConnectError) return error;
    logGenerated(logger, "error", [
      "msg",
      "panic recovered",
      "operation",
      operation(req),
      "error",
      fromError(error).message,
      "stack",
      error instanceof Error ? error.stack ?? "" : "",
    ]);
    return handle(error, req);
  };
  // Promise chaining rather than async/await: one promise per call instead of two on this
  // always-on middleware.
  return (next) => (req) => {
    let pending: Promise<CallResponse>;
    try {
      pending = next(req);
    } catch (error) {
      return Promise.reject(recover(error, req));
    }
    return pending.then((res) => {
      if (!res.stream) return res;
      const messages = res.message;
      return {
        ...res,
        message: (async function* () {
          try {
            yield* messages;
          } catch (error) {
            throw recover(error, req);
          }
        })(),
      };
    }, (error) => {
      throw recover(error, req);
    });
  };
}
