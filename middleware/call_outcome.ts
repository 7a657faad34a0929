// When a call is over and how it ended, for middleware that measures calls (tracing, metrics,
// the BBR limiter): a unary call ends when its response or error arrives, a streaming call when
// its response stream is drained, fails, or is abandoned by whoever reads it.
import { type Code, ConnectError } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { fromError, GrpcCode, isAtreusError, toGrpcCode } from "../errors/mod.ts";
import type { CallRequest, CallResponse, Next, ProtoMessage } from "../internal/contract.ts";

/**
 * How a call ended: `undefined` error for success; `abandoned` when a response stream stopped
 * before its end — its reader let go (`error` undefined) or the call was aborted (`error` is
 * the abort reason); `messages` is the number of response messages read (streams only).
 */
export type CallEnd = (error: unknown, abandoned: boolean, messages?: number) => void;

/** Runs `next(req)` and reports its end exactly once through `end`. */
export function observeCall(next: Next, req: CallRequest, end: CallEnd): Promise<CallResponse> {
  let pending: Promise<CallResponse>;
  try {
    pending = next(req);
  } catch (error) {
    end(error, false);
    return Promise.reject(error);
  }
  return pending.then(
    (res) => {
      if (!res.stream) {
        end(undefined, false);
        return res;
      }
      return { ...res, message: observeStream(res.message, req.signal, end) };
    },
    (error) => {
      end(error, false);
      throw error;
    },
  );
}

// A stream can end without its iterator ever being told: Connect-ES clients hide `return()`
// from their callers, who stop a stream by aborting its signal instead. So an abort ends it too.
function observeStream(
  messages: AsyncIterable<ProtoMessage>,
  signal: AbortSignal,
  end: CallEnd,
): AsyncIterable<ProtoMessage> {
  let ended = false;
  let count = 0;
  const onAbort = () => report(signal.reason ?? new Error("aborted"), true);
  const report = (error: unknown, abandoned: boolean) => {
    if (ended) return;
    ended = true;
    signal.removeEventListener("abort", onAbort);
    end(error, abandoned, count);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  return {
    [Symbol.asyncIterator](): AsyncIterator<ProtoMessage> {
      const it = messages[Symbol.asyncIterator]();
      return {
        async next() {
          try {
            const r = await it.next();
            if (r.done === true) report(undefined, false);
            else count++;
            return r;
          } catch (error) {
            report(error, false);
            throw error;
          }
        },
        async return(value?: unknown) {
          report(undefined, true);
          return await (it.return?.(value) ?? { done: true as const, value: undefined });
        },
        async throw(error?: unknown) {
          report(error, false);
          if (it.throw !== undefined) return await it.throw(error);
          throw error;
        },
      };
    },
  };
}

/**
 * The gRPC code a call ended with. An abandoned stream is Canceled unless its abort reason
 * carries a code of its own (a deadline): transports abort with plain errors when the peer
 * goes away, and those must not read as Internal.
 */
export function endCode(error: unknown, abandoned: boolean): GrpcCode {
  if (error === undefined) return abandoned ? GrpcCode.Canceled : GrpcCode.OK;
  if (abandoned && !(error instanceof ConnectError) && !isAtreusError(error)) {
    return GrpcCode.Canceled;
  }
  return grpcCodeOf(error);
}

/**
 * The HTTP status a REST call ended with, for a call that ended with `code`: 499 when
 * canceled, 200 without error, else the error's own status.
 */
export function httpEndStatus(code: GrpcCode, error: unknown): number {
  if (code === GrpcCode.Canceled) return 499;
  return error === undefined ? 200 : fromError(error).code;
}

/** The gRPC code of a failed call (Connect codes are the same numbers). */
export function grpcCodeOf(error: unknown): GrpcCode {
  // A ConnectError's own code is exact; going through the HTTP status would fold AlreadyExists
  // into Aborted and OutOfRange into InvalidArgument.
  if (error instanceof ConnectError) return error.code as number as GrpcCode;
  return toGrpcCode(fromError(error).code);
}

/** The Connect protocol's name of a code, e.g. `not_found`. */
export function connectCodeName(code: GrpcCode): string {
  // Connect-ES has no name for OK, which is not an error code on the Connect protocol.
  return code === GrpcCode.OK ? "ok" : codeToString(code as number as Code);
}
