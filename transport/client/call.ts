// The Connect-ES transport behind every Atreus client. Per call it opens a deadline scope, runs
// the client middleware, and only then picks a node — so each attempt a retry makes is balanced
// on its own and can land on another instance. The node's own transport carries no
// interceptors: the middleware already ran once, around the pick.
import { operationOf } from "../../internal/operation.ts";
import { unaryChainOf } from "../adapter.ts";
import type {
  DescMessage,
  DescMethod,
  DescMethodStreaming,
  DescMethodUnary,
  MessageInitShape,
} from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ContextValues,
  createContextValues,
  type Interceptor,
  type StreamRequest,
  type StreamResponse,
  type Transport,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { createMethodUrl, runStreamingCall } from "@connectrpc/connect/protocol";
import { create, isMessage } from "@bufbuild/protobuf";
import type { Expiry, ExpiryQueue } from "../../internal/expiry.ts";
import {
  childValues,
  childValuesWith,
  currentValues,
  runInScope,
  runWithValues,
  type Scope,
} from "../../internal/context.ts";
import { serviceUnavailable, toConnectError } from "../../errors/mod.ts";
import {
  NoAvailableNodeError,
  type NodeFilter,
  type PickContext,
  type Picked,
  pickedNodeKey,
  pickFiltersKey,
  type Selector,
} from "../../selector/mod.ts";
import { deadlineKey, remainingMs } from "../../internal/deadline.ts";
import type { NodeSource } from "./discovery.ts";
import { isNodeFailure, normalizeFailure } from "./failure.ts";
import type { Held, NodePool } from "./nodes.ts";
import { type ClientProtocol, type NodeTransport, protocolHeader } from "./protocol.ts";
import { type CallAbort, callTimeoutMs } from "./unary_method.ts";

/** Everything a call needs from its client. */
export interface CallPlan {
  /** The endpoint as given, the base of the URL middleware sees. */
  readonly endpoint: string;
  /** The service name for messages (discovery name or endpoint). */
  readonly service: string;
  /** Wire protocol. */
  readonly protocol: ClientProtocol;
  /** Protobuf binary bodies. */
  readonly binary: boolean;
  /** Default deadline of unary calls in ms (undefined: none). */
  readonly unaryTimeoutMs: number | undefined;
  /** The client middleware as Connect-ES interceptors, outermost first. */
  readonly interceptors: Interceptor[];
  /** Whether filters route on request headers (then picks get them as metadata). */
  readonly routesOnMetadata: boolean;
  /** Holds the nodes. */
  readonly selector: Selector;
  /** Transports per node. */
  readonly pool: NodePool;
  /** Discovery, for `discovery:///` endpoints. */
  readonly source?: NodeSource;
  /** Whether `close()` was called. */
  closed(): boolean;
  /** Deadlines of `unaryTimeoutMs` (the common one), on one timer; closed with the client. */
  readonly expiries?: ExpiryQueue;
}

/** The transport that runs `plan`'s middleware and balances each attempt. */
export function balancedTransport(plan: CallPlan): Transport {
  // The middleware around a unary attempt, composed once (Connect-ES composes it per call).
  const unaryChain = unaryChainOf(plan.interceptors, (req) => attemptUnary(plan, req));
  // The endpoint never changes, so each method's URL is built once.
  const urls = new WeakMap<DescMethod, string>();
  const methodUrl = (method: DescMethod) => {
    let url = urls.get(method);
    if (url === undefined) {
      url = createMethodUrl(plan.endpoint, method);
      urls.set(method, url);
    }
    return url;
  };
  return {
    unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      message: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      const ms = callTimeoutMs(timeoutMs, plan.unaryTimeoutMs);
      if (plan.interceptors.length === 0) {
        return directUnary(plan, method, signal, ms, header, message, contextValues);
      }
      const left = withinInherited(ms);
      // The deadline is made visible to middleware through remainingMs() in a request scope,
      // emptied once the call settles (see runScoped: on Deno a scope stays reachable well
      // after its call, and one still holding values keeps them alive through collections).
      const scope: Scope | undefined = left === undefined ? undefined : {
        v: childValuesWith(currentValues(), deadlineKey, Date.now() + left),
      };
      const run = () => {
        // A closed client's calls fail at once; they must not arm its shared timer again.
        const call = new UnaryCallSignal(signal, left, plan.closed() ? undefined : plan.expiries);
        const req: UnaryRequest<I, O> & Tagged = {
          stream: false,
          service: method.parent,
          method,
          requestMethod: "POST",
          url: methodUrl(method),
          // What middleware and filters that route on metadata read before the node's
          // transport writes the protocol's own headers.
          header: protocolHeader(plan.protocol, method, plan.binary, header),
          contextValues: contextValues ?? createContextValues(),
          message: isMessage(message, method.input)
            ? message
            : create(method.input, message as MessageInitShape<I>),
          signal: call.signal,
          [callOf]: call,
        };
        return unaryChain(req)
          .then((res) => {
            call.end();
            if (scope !== undefined) scope.v = undefined;
            return res;
          }, (error) => {
            call.end();
            if (scope !== undefined) scope.v = undefined;
            throw canceledOr(call.signal, error);
          });
      };
      return scope === undefined ? run() : runInScope(scope, run);
    },
    stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      // Streams get no default deadline (they may run for hours), as in Kratos.
      const ms = timeoutMs !== undefined && timeoutMs > 0 ? timeoutMs : undefined;
      const call = inDeadlineScope(ms, (left) =>
        runStreamingCall<I, O>({
          interceptors: plan.interceptors,
          signal,
          timeoutMs: left,
          req: {
            stream: true,
            service: method.parent,
            method,
            requestMethod: "POST",
            url: methodUrl(method),
            header: protocolHeader(plan.protocol, method, plan.binary, header),
            contextValues: contextValues ?? createContextValues(),
            message: withThrow(input),
          },
          next: (req) => attemptStream(plan, req),
        }));
      // Connect-ES's client awaits a stream's response only once the caller starts reading, so
      // a call that fails before that (refused, past its deadline) — while a client or bidi
      // caller is still writing — would be an unhandled rejection, which ends the process on
      // Deno and Node. The error still reaches the caller's first read.
      call.catch(() => {});
      return call;
    },
  };
}

/**
 * `input` with an iterator that has `throw`: Connect-ES's transports tell a request stream that
 * the call failed by calling it, and refuse an iterator without one ("AsyncIterable does not
 * implement throw") — yet `throw` is optional in the protocol, and hand-written iterables and
 * many libraries' streams omit it. Async generators pass through untouched.
 */
function withThrow<T>(input: AsyncIterable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const it = input[Symbol.asyncIterator]();
      if (typeof it.throw === "function") return it;
      return {
        next: (...args: [] | [unknown]) => it.next(...args),
        return: (value?: unknown) =>
          it.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined }),
        async throw(error?: unknown) {
          await it.return?.();
          throw error;
        },
      };
    },
  };
}

/**
 * The signal of a unary call, which middleware and the node's transport see: it aborts when the
 * caller's signal does or the deadline passes. Unlike Connect-ES's runUnaryCall, the call's own
 * deadline is not a timer per call (the client's common deadline shares one, see
 * internal/expiry.ts), and the signal is not aborted when the call succeeds (an abort builds a
 * DOMException); the node's transport still cleans up after itself. It tells the node call of
 * an abort through `onAbort` (CallAbort), so that call needs no listener of its own.
 */
class UnaryCallSignal implements CallAbort {
  readonly #controller = new AbortController();
  readonly signal: AbortSignal = this.#controller.signal;
  onAbort: ((reason: unknown) => void) | undefined = undefined;
  readonly #user: AbortSignal | undefined;
  #onUser: (() => void) | undefined;
  #expiry: Expiry | undefined;

  constructor(
    user: AbortSignal | undefined,
    timeoutMs: number | undefined,
    expiries: ExpiryQueue | undefined,
  ) {
    this.#user = user;
    if (user !== undefined) {
      if (user.aborted) this.#abort(user.reason);
      else {
        this.#onUser = () => this.#abort(user.reason);
        user.addEventListener("abort", this.#onUser, { once: true });
      }
    }
    if (timeoutMs !== undefined) {
      const expire = () =>
        this.#abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
      if (timeoutMs <= 0) expire();
      else if (expiries !== undefined && timeoutMs === expiries.budgetMs) {
        this.#expiry = expiries.add(expire);
      } else {
        const timer = setTimeout(expire, timeoutMs);
        this.#expiry = { cancel: () => clearTimeout(timer) };
      }
    }
  }

  #abort(reason: unknown): void {
    if (this.signal.aborted) return;
    this.#controller.abort(reason);
    this.onAbort?.(this.signal.reason);
  }

  /** The call is over: its deadline and the caller's signal no longer matter. */
  end(): void {
    this.#expiry?.cancel();
    if (this.#onUser !== undefined) this.#user!.removeEventListener("abort", this.#onUser);
  }
}

// As Connect-ES's runUnaryCall words it: an aborted call fails with the reason.
function canceledOr(signal: AbortSignal, error: unknown): ConnectError {
  return signal.aborted
    ? ConnectError.from(signal.reason, Code.Canceled)
    : ConnectError.from(error);
}

/**
 * A unary call of a client without middleware: what the middleware path does (deadline, pick,
 * attempt, the same errors in the same order), without the request object, the request scope
 * and the chain nothing would read, and with one await where nothing has to wait (a node whose
 * transport is built, discovery that already has nodes).
 */
async function directUnary<I extends DescMessage, O extends DescMessage>(
  plan: CallPlan,
  method: DescMethodUnary<I, O>,
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
  header: HeadersInit | undefined,
  init: MessageInitShape<I>,
  contextValues: ContextValues | undefined,
): Promise<UnaryResponse<I, O>> {
  const message = isMessage(init, method.input)
    ? init
    : create(method.input, init as MessageInitShape<I>);
  const ms = withinInherited(timeoutMs);
  const deadline = ms === undefined ? undefined : Date.now() + ms;
  // A closed client's calls fail at once; they must not arm its shared timer again.
  const call = new UnaryCallSignal(signal, ms, plan.closed() ? undefined : plan.expiries);
  try {
    const extra = contextValues?.get(pickFiltersKey) ?? [];
    const metadata = plan.routesOnMetadata || extra.length > 0
      ? () => headerRecord(protocolHeader(plan.protocol, method, plan.binary, header))
      : undefined;
    if (plan.closed()) throw new ConnectError("the client is closed", Code.Canceled);
    if (plan.source !== undefined && !plan.source.isReady()) {
      await sourceReady(plan, plan.source, call.signal);
    }
    const picked = pickNode(plan, method, metadata, extra);
    contextValues?.set(pickedNodeKey, picked.node);
    const left = attemptMs(picked, deadline === undefined ? undefined : deadline - Date.now());
    const res = await callPicked(
      plan,
      picked,
      left,
      call.signal,
      (node) =>
        node.unary !== undefined
          ? node.unary(method, call, left, header, message)
          : node.transport.unary(
            method,
            call.signal,
            undefined,
            nodeHeader(plan.protocol, new Headers(header), left),
            message,
            contextValues,
          ),
    );
    call.end();
    return res;
  } catch (error) {
    call.end();
    throw canceledOr(call.signal, error);
  }
}

/**
 * One attempt on `picked`'s node by `call` (without waiting for a promise when the node's
 * transport is built); its outcome goes to the balancer, and a failure comes back normalised.
 */
async function callPicked<R>(
  plan: CallPlan,
  picked: Picked,
  timeoutMs: number | undefined,
  signal: AbortSignal,
  call: (node: NodeTransport) => Promise<R>,
): Promise<R> {
  const held = plan.pool.hold(picked.node);
  const start = performance.now();
  const deadlineAt = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  let res: R;
  try {
    res = await call(held.ready ?? await held.built);
  } catch (error) {
    const e = normalizeFailure(error, signal, deadlineAt);
    endAttempt(plan, picked, held, start, e);
    throw e;
  }
  endAttempt(plan, picked, held, start, undefined);
  return res;
}

/** Reports an attempt's outcome to the balancer and lets go of the node's transport. */
function endAttempt(
  plan: CallPlan,
  picked: Picked,
  held: Held,
  start: number,
  error: unknown,
): void {
  const latencyMs = performance.now() - start;
  picked.done(error !== undefined && isNodeFailure(error) ? { error, latencyMs } : { latencyMs });
  plan.pool.drop(held);
}

/**
 * Runs `fn` in a request scope whose deadline is the sooner of `timeoutMs` and the deadline of
 * the call being served (so a downstream call never outlives its caller), making it visible to
 * middleware through `remainingMs()`.
 */
function inDeadlineScope<T>(
  timeoutMs: number | undefined,
  fn: (timeoutMs: number | undefined) => T,
): T {
  const ms = withinInherited(timeoutMs);
  if (ms === undefined) return fn(undefined);
  const values = childValues(currentValues());
  values.set(deadlineKey, Date.now() + ms);
  return runWithValues(values, () => fn(ms));
}

/** `ms`, or less if the call being served must end sooner (a call never outlives its caller). */
function withinInherited(ms: number | undefined): number | undefined {
  const inherited = remainingMs();
  return inherited === undefined ? ms : ms === undefined ? inherited : Math.min(ms, inherited);
}

/**
 * The whole ms an attempt on `picked` may take of the `leftMs` its call has; with none left the
 * pick is let go and the attempt refused. Checked once a node is known (discovery may have made
 * the call wait), before it is used.
 */
function attemptMs(picked: Picked, leftMs: number | undefined): number | undefined {
  if (leftMs === undefined) return undefined;
  if (leftMs <= 0) {
    picked.done({});
    throw new ConnectError("the call's deadline passed", Code.DeadlineExceeded);
  }
  return Math.max(1, Math.floor(leftMs));
}

/** One attempt of a call: the node picked for it, and its end, reported once. */
interface Attempt {
  /** The picked node's transport. */
  readonly transport: Promise<Transport>;
  /** The deadline left for the attempt, in ms. */
  readonly timeoutMs: number | undefined;
  /** When the call's deadline passes (`Date.now()` clock), if it has one. */
  readonly deadlineAt: number | undefined;
  /** Reports the outcome to the balancer and frees the node's transport (first call wins). */
  finish(error?: unknown): void;
}

async function startAttempt(
  plan: CallPlan,
  req: UnaryRequest | StreamRequest,
  stream: boolean,
): Promise<Attempt> {
  const picked = await pick(plan, req);
  const timeoutMs = attemptMs(picked, remainingMs());
  const lease = plan.pool.acquire(picked.node);
  const start = performance.now();
  let finished = false;
  const finish = (error?: unknown) => {
    if (finished) return;
    finished = true;
    if (stream) req.signal.removeEventListener("abort", onAbort);
    const latencyMs = performance.now() - start;
    picked.done(error !== undefined && isNodeFailure(error) ? { error, latencyMs } : { latencyMs });
    lease.release();
  };
  // The call's signal aborts when the call ends or is cancelled (Connect-ES clients give a
  // stream consumer that stops early no other way to end the call than aborting its signal).
  // A unary attempt ends with its node call, which an abort rejects: it needs no listener (a
  // listener per call is not free: on Bun adding and removing one costs microseconds).
  const onAbort = () => finish(req.signal.reason);
  if (stream) req.signal.addEventListener("abort", onAbort, { once: true });
  const deadlineAt = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  return { transport: lease.transport, timeoutMs, deadlineAt, finish };
}

/** Calls the attempt's node; a failure ends the attempt, normalised. */
async function callNode<R>(
  attempt: Attempt,
  signal: AbortSignal,
  call: (transport: Transport, timeoutMs: number | undefined) => Promise<R>,
): Promise<R> {
  try {
    return await call(await attempt.transport, attempt.timeoutMs);
  } catch (error) {
    const e = normalizeFailure(error, signal, attempt.deadlineAt);
    attempt.finish(e);
    throw e;
  }
}

async function pick(
  plan: CallPlan,
  req: UnaryRequest | StreamRequest,
): Promise<Picked> {
  if (plan.closed()) throw new ConnectError("the client is closed", Code.Canceled);
  if (plan.source !== undefined && !plan.source.isReady()) {
    await sourceReady(plan, plan.source, req.signal);
  }
  return pickNow(plan, req);
}

/** `pick` once discovery has nodes. */
function pickNow(plan: CallPlan, req: UnaryRequest | StreamRequest): Picked {
  if (plan.closed()) throw new ConnectError("the client is closed", Code.Canceled);
  const extra = req.contextValues.get(pickFiltersKey);
  const picked = pickNode(
    plan,
    req.method,
    plan.routesOnMetadata || extra.length > 0 ? () => headerRecord(req.header) : undefined,
    extra,
  );
  req.contextValues.set(pickedNodeKey, picked.node);
  return picked;
}

/** Waits for discovery's first node list; a failure to get one is Unavailable. */
async function sourceReady(plan: CallPlan, source: NodeSource, signal: AbortSignal) {
  try {
    await source.ready(signal);
  } catch (error) {
    if (signal.aborted) throw error;
    throw new ConnectError(
      `discovery of ${JSON.stringify(plan.service)} failed: ${
        error instanceof Error ? error.message : String(error)
      }`,
      Code.Unavailable,
      undefined,
      undefined,
      error,
    );
  }
}

/** Picks a node for `method`; `metadata` gives the request headers for filters that read them. */
function pickNode(
  plan: CallPlan,
  method: DescMethod,
  metadata: (() => Record<string, string>) | undefined,
  extra: readonly NodeFilter[],
): Picked {
  const context: PickContext = {
    operation: operationOf(method.parent, method),
    metadata: metadata?.(),
    filters: extra.length > 0 ? extra : undefined,
  };
  try {
    return plan.selector.pick(context);
  } catch (error) {
    if (!(error instanceof NoAvailableNodeError)) throw error;
    throw toConnectError(serviceUnavailable("NODE_NOT_FOUND", error.message).withCause(error));
  }
}

// The call signal a unary request was made with, so an attempt can hand it to the node's own
// unary path (which then needs no abort listener); middleware may pass on a request with another
// signal, which the attempt checks.
const callOf = Symbol("atreus unary call");
type Tagged = { [callOf]?: UnaryCallSignal };

async function attemptUnary<I extends DescMessage, O extends DescMessage>(
  plan: CallPlan,
  req: UnaryRequest<I, O>,
): Promise<UnaryResponse<I, O>> {
  const picked = plan.source !== undefined && !plan.source.isReady()
    ? await pick(plan, req)
    : pickNow(plan, req);
  const timeoutMs = attemptMs(picked, remainingMs());
  const call = (req as Tagged)[callOf];
  return await callPicked(
    plan,
    picked,
    timeoutMs,
    req.signal,
    (node) =>
      node.unary !== undefined && call?.signal === req.signal
        ? node.unary(req.method, call, timeoutMs, headerRecord(req.header), req.message, true)
        : node.transport.unary(
          req.method,
          req.signal,
          undefined,
          nodeHeader(plan.protocol, req.header, timeoutMs),
          req.message,
          req.contextValues,
        ),
  );
}

/**
 * The headers a node's Connect-ES transport gets. The call's signal already ends the attempt at
 * its deadline: the transport gets no timeout of its own (which would be a second timer per
 * call), only the header that tells the server the time left, as Connect-ES's transports write
 * it. As a plain record: the transport copies it into Headers of its own, and on Deno copying
 * from a record costs a fraction of copying from Headers.
 */
function nodeHeader(
  protocol: ClientProtocol,
  header: Headers,
  timeoutMs: number | undefined,
): Record<string, string> {
  if (timeoutMs !== undefined) {
    if (protocol === "connect") header.set("connect-timeout-ms", String(timeoutMs));
    else header.set("grpc-timeout", `${timeoutMs}m`);
  }
  return headerRecord(header);
}

function headerRecord(header: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  header.forEach((value, key) => (record[key] = value));
  return record;
}

async function attemptStream<I extends DescMessage, O extends DescMessage>(
  plan: CallPlan,
  req: StreamRequest<I, O>,
): Promise<StreamResponse<I, O>> {
  const attempt = await startAttempt(plan, req, true);
  const res = await callNode(
    attempt,
    req.signal,
    (transport, timeoutMs) =>
      transport.stream(
        req.method,
        req.signal,
        timeoutMs,
        req.header,
        req.message,
        req.contextValues,
      ),
  );
  const finish = attempt.finish;
  const messages = res.message;
  return {
    ...res,
    message: {
      [Symbol.asyncIterator]() {
        const it = messages[Symbol.asyncIterator]();
        return {
          async next() {
            try {
              const r = await it.next();
              if (r.done === true) finish();
              return r;
            } catch (error) {
              const e = normalizeFailure(error, req.signal, attempt.deadlineAt);
              finish(e);
              throw e;
            }
          },
          async return(value?: unknown) {
            finish();
            return await (it.return?.(value) ?? { done: true as const, value: undefined });
          },
        };
      },
    },
  };
}
