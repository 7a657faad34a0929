// Runs one unary call of the fast path: deadline, request context, middleware chain, reply
// headers, error normalisation — the work Connect-ES's handler does around an implementation,
// without async iterables. Costs are kept off the common path: the call's AbortController is
// only ever aborted on deadline or shutdown (an abort builds a DOMException, ~2 µs), and
// trailers are only muxed when written.
import { Code, ConnectError } from "@connectrpc/connect";
import { isAtreusError, toConnectError } from "../../errors/mod.ts";
import { dropCallScoped, markCallScoped, runScoped } from "../../internal/context.ts";
import type { Expiry, ExpiryQueue } from "../../internal/expiry.ts";
import { deadlineExpired, deadlineKey, unaryBound } from "../deadline.ts";
import { adoptReplyHeader, serverTransportKey } from "../info.ts";
import type { MutableTransportInfo } from "../info.ts";
import type { ContextValues, ProtoMessage, UnaryCallRequest } from "../../internal/contract.ts";
import { TrackedHeaders } from "./headers.ts";
import { type CallState, callStateKey, type UnaryPlan } from "./plan.ts";

/** What a protocol adapter hands to `runUnary`. */
export interface UnaryCallInput {
  /** The method's plan. */
  readonly plan: UnaryPlan;
  /** `connect`, `grpc` or `grpc-web`. */
  readonly protocolName: "connect" | "grpc" | "grpc-web" | "http";
  /** HTTP verb. */
  readonly requestMethod: string;
  /** Request URL. */
  readonly url: string;
  /** Request headers. */
  readonly header: Headers;
  /** The call's context values (transport info, app info already set). */
  readonly values: ContextValues;
  /** The transport info in `values`, for reply headers. */
  readonly info: MutableTransportInfo | undefined;
  /** Timeout the client asked for, in ms. */
  readonly requestedTimeoutMs: number | undefined;
  /** Response headers the handler writes to. */
  readonly responseHeader: Headers;
  /** Response trailers the handler writes to (a tracked, empty set when absent). */
  readonly responseTrailer?: Headers;
}

/** The outcome of a unary call: the reply, and the headers and trailers to send. */
export interface UnaryResult {
  /** The reply message. */
  readonly message: ProtoMessage;
  /** Response headers. */
  readonly header: Headers;
  /** Response trailers (check `maybeWritten` before sending them as Connect headers). */
  readonly trailer: Headers;
}

const noTimeout = () => undefined;

markCallScoped(callStateKey);
markCallScoped(serverTransportKey);
markCallScoped(deadlineKey);

/**
 * Runs the chain for a decoded request. Rejects with a `ConnectError`: AtreusErrors are
 * converted (with their ErrorInfo), anything untyped becomes "internal error".
 */
export async function runUnary(input: UnaryCallInput, message: ProtoMessage): Promise<UnaryResult> {
  const { plan, values } = input;
  const requested = input.requestedTimeoutMs;
  const serverTimeout = plan.options.timeoutMs;
  const bound = unaryBound(serverTimeout, requested);
  const start = bound === undefined ? 0 : Date.now();
  if (bound !== undefined) values.set(deadlineKey, start + bound);
  const controller = new AbortController();
  const calls = plan.options.calls;
  calls.add(controller);
  const state: CallState = {
    protocolName: input.protocolName,
    header: input.responseHeader,
    trailer: input.responseTrailer ?? new TrackedHeaders(),
    timeoutMs: requested === undefined ? noTimeout : () => start + requested - Date.now(),
  };
  values.set(callStateKey, state);
  const req: UnaryCallRequest = {
    stream: false,
    message,
    method: plan.method as never,
    service: plan.service as never,
    requestMethod: input.requestMethod,
    url: input.url,
    signal: controller.signal,
    header: input.header,
    contextValues: values,
  };
  try {
    const work = runScoped(values, () => plan.invoke(req));
    const res = bound === undefined
      ? await work
      : await withDeadline(work, bound, requested, controller, plan.options.expiries);
    if (res.stream) throw new ConnectError("unary call answered with a stream", Code.Internal);
    adoptReplyHeader(input.info, res.header);
    return res;
  } catch (error) {
    throw asConnectError(error);
  } finally {
    calls.delete(controller);
    // Deno keeps a request's async context reachable for a while after the call; dropping the
    // per-call entries lets the request and its buffers die young (measured: ~2 µs per call).
    // Work a handler leaves running after it returned sees no transport info any more.
    dropCallScoped(values);
  }
}

// The server's own timeout is the same for every call, so those deadlines share one timer
// (internal/expiry.ts); a shorter one a client asked for gets a timer of its own.
function withDeadline<T>(
  work: Promise<T>,
  bound: number,
  requested: number | undefined,
  controller: AbortController,
  expiries: ExpiryQueue,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const expire = () => {
      const error = deadlineExpired(bound, requested === bound);
      controller.abort(error);
      reject(error);
    };
    let expiry: Expiry | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (requested === bound) timer = setTimeout(expire, bound);
    else expiry = expiries.add(expire);
    work.then(
      (value) => {
        if (expiry !== undefined) expiry.cancel();
        else clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        if (expiry !== undefined) expiry.cancel();
        else clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Normalises anything thrown into the `ConnectError` that goes on the wire. */
export function asConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (isAtreusError(error)) return toConnectError(error) as ConnectError;
  return new ConnectError("internal error", Code.Internal, undefined, undefined, error);
}
