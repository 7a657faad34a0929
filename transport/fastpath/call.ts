// Runs one unary call of the fast path, whichever protocol and server it came by: deadline,
// request context, middleware chain, reply headers, error normalisation — the work Connect-ES's
// handler does around an implementation, without async iterables. The deadline and error rules
// are the ones the Connect-ES path applies too (transport/deadline.ts, transport/status.ts).
// Costs are kept off the common path: the call's AbortController is only ever aborted on
// deadline, shutdown or its client going away (an abort builds a DOMException, ~2 µs), the
// client is watched only once the handler reads its signal, and trailers are only muxed when
// written.
import { Code, ConnectError } from "@connectrpc/connect";
import { dropCallScoped, markCallScoped, runInScope, type Scope } from "../../internal/context.ts";
import { callDeadline, deadlineKey, raceDeadline } from "../deadline.ts";
import { asConnectError } from "../status.ts";
import { adoptReplyHeader, serverTransportKey } from "../info.ts";
import type { MutableTransportInfo } from "../info.ts";
import type { ContextValues, ProtoMessage, UnaryCallRequest } from "../../internal/contract.ts";
import { TrackedHeaders } from "./headers.ts";
import type { ClientGone } from "./gone.ts";
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
  /** How the server learns that the client went away. */
  readonly gone?: ClientGone;
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

/** What a protocol's call passes on to `runCall` unchanged (a `UnaryCall` is one). */
export interface CallSource {
  /** The request: its verb, URL and headers. */
  readonly request: { readonly method: string; readonly url: string; readonly headers: Headers };
  /** The call's context values. */
  readonly values: ContextValues;
  /** Its transport info. */
  readonly info: MutableTransportInfo;
  /** How the server learns that the client went away. */
  readonly gone?: ClientGone;
}

/** `runUnary` for a protocol's call: the request, values and info as they came. */
export function runCall(
  plan: UnaryPlan,
  call: CallSource,
  protocolName: "connect" | "grpc" | "grpc-web",
  requestedTimeoutMs: number | undefined,
  responseHeader: Headers,
  responseTrailer: Headers,
  message: ProtoMessage,
): Promise<UnaryResult> {
  const { request } = call;
  return runUnary({
    plan,
    protocolName,
    requestMethod: request.method,
    url: request.url,
    header: request.headers,
    values: call.values,
    info: call.info,
    requestedTimeoutMs,
    responseHeader,
    responseTrailer,
    gone: call.gone,
  }, message);
}

/**
 * Runs the chain for a decoded request. Rejects with a `ConnectError`: AtreusErrors are
 * converted (with their ErrorInfo), anything untyped becomes "internal error".
 */
export async function runUnary(input: UnaryCallInput, message: ProtoMessage): Promise<UnaryResult> {
  const { plan, values } = input;
  const requested = input.requestedTimeoutMs;
  const bound = callDeadline(values, plan.options.timeoutMs, requested, false);
  const start = requested === undefined ? 0 : Date.now();
  const controller = new AbortController();
  const calls = plan.options.calls;
  calls.add(controller);
  const state: CallState = {
    protocolName: input.protocolName,
    header: input.responseHeader,
    trailer: input.responseTrailer ?? new TrackedHeaders(),
    timeoutMs: requested === undefined ? noTimeout : () => start + requested - Date.now(),
    gone: input.gone,
    controller,
    stop: undefined,
  };
  values.set(callStateKey, state);
  const req: UnaryCallRequest = {
    stream: false,
    message,
    method: plan.callMethod,
    service: plan.callService,
    requestMethod: input.requestMethod,
    url: input.url,
    signal: controller.signal,
    header: input.header,
    contextValues: values,
  };
  const scope: Scope = { v: values };
  try {
    const work = runInScope(scope, () => plan.invoke(req));
    let res;
    if (bound === undefined) {
      res = await work;
    } else {
      // The deadline may end the call before its work settles: the scope ends with the work.
      res = await raceDeadline(work, bound, requested, controller, plan.options.expiries, () => {
        scope.v = undefined;
      });
    }
    if (res.stream) throw new ConnectError("unary call answered with a stream", Code.Internal);
    adoptReplyHeader(input.info, res.header);
    return res;
  } catch (error) {
    throw asConnectError(error);
  } finally {
    // Without a deadline the call ends only once its work settled (awaited above).
    if (bound === undefined) scope.v = undefined;
    state.stop?.();
    calls.delete(controller);
    // Deno keeps a request's async context reachable for a while after the call; dropping the
    // per-call entries lets the request and its buffers die young (measured: ~2 µs per call).
    // Work a handler leaves running after it returned sees no transport info any more.
    dropCallScoped(values);
  }
}
