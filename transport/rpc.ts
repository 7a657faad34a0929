// Builds the RPC table shared by the HTTP and gRPC servers: one Connect-ES router per server
// over the same registrations, plus the transport-level middleware every call passes through.
import { ExpiryQueue } from "../internal/expiry.ts";
import {
  Code,
  ConnectError,
  createConnectRouter,
  createServiceImplSpec,
  type HandlerContext,
  type Interceptor,
  type MethodImplSpec,
} from "@connectrpc/connect";
import type {
  UniversalHandler,
  UniversalServerRequest,
  UniversalServerResponse,
} from "@connectrpc/connect/protocol";
import {
  createRegistry,
  type DescMethod,
  type DescService,
  type Registry,
} from "@bufbuild/protobuf";
import { bindIterable, type ContextValues, runWithValues } from "../internal/context.ts";
import { type CompressionCodec, gzip } from "./compression.ts";
import { adoptReplyHeader, operationOf, serverTransportKey } from "./info.ts";
import type { MessageDesc, Middleware, ProtoMessage, ServiceDesc } from "../internal/contract.ts";
import { buildUnaryPlan, type UnaryPlan } from "./fastpath/plan.ts";
import { callDeadline, raceDeadline, requestTimeoutMs } from "./deadline.ts";
import { fromAtreusError } from "./status.ts";
import { descMessages, descService, interceptorsOf, serviceImpl } from "./adapter.ts";

/**
 * One service and its Connect-ES style implementation (an object or class instance with one
 * method per RPC). Register it once; every server serves it.
 */
export type ServiceRegistration = readonly [service: ServiceDesc, implementation: object];

/** Options that shape how RPCs are served. */
export interface RpcOptions {
  /** Services to serve. */
  readonly services: readonly ServiceRegistration[];
  /** Middleware, outermost first. */
  readonly middleware: readonly Middleware[];
  /** Per-call deadline for unary RPCs in ms (0: none beyond the client's). */
  readonly timeoutMs: number;
  /** Largest accepted request message, in bytes. */
  readonly readMaxBytes: number;
  /** Largest response message, in bytes. */
  readonly writeMaxBytes: number;
  /** Compression codecs offered to clients. */
  readonly compression: readonly CompressionCodec[];
  /** Aborts in-flight calls when the server's stop deadline passes. */
  readonly shutdownSignal: AbortSignal;
  /** Serve unary calls on Atreus's fast path (default true); false keeps Connect-ES's handler. */
  readonly fastPath?: boolean;
  /** The registry of `jsonTypes`, built once. */
  readonly registry?: Registry;
}

const MiB = 1024 * 1024;
/** Default largest request message: 4 MiB, as Connect-ES's servers. */
export const DEFAULT_READ_MAX_BYTES: number = 4 * MiB;

/** The options both servers share: what they serve and the limits of each RPC. */
export interface RpcServerOptions {
  /** Services to serve. */
  readonly services?: readonly ServiceRegistration[];
  /** Middleware for every RPC, outermost first. */
  readonly middleware?: readonly Middleware[];
  /** Deadline of each unary call in ms (default 10 000; 0 disables). */
  readonly timeoutMs?: number;
  /** Largest request message in bytes (default 4 MiB). */
  readonly readMaxBytes?: number;
  /** Largest response message in bytes (default 16 MiB). */
  readonly writeMaxBytes?: number;
  /** Compression codecs offered (default gzip); `false` disables. */
  readonly compression?: readonly CompressionCodec[] | false;
  /**
   * Serve unary calls on Atreus's fast path (default true). `false` leaves every call to
   * Connect-ES's own handler, which the fast path is tested against.
   */
  readonly fastPath?: boolean;
  /**
   * Message types `google.protobuf.Any` fields may hold in JSON bodies (Connect and gRPC-Web
   * `+json`): the `…Schema` exports of generated code. Binary needs none; without them a JSON
   * request or reply carrying an Any fails, naming the type.
   */
  readonly jsonTypes?: readonly MessageDesc[];
}

/** The RPC options of a server, with the defaults both servers share. */
export function rpcOptionsOf(
  options: RpcServerOptions,
  services: readonly ServiceRegistration[],
  shutdownSignal: AbortSignal,
): RpcOptions {
  return {
    services,
    middleware: options.middleware ?? [],
    timeoutMs: options.timeoutMs ?? 10_000,
    readMaxBytes: options.readMaxBytes ?? DEFAULT_READ_MAX_BYTES,
    writeMaxBytes: options.writeMaxBytes ?? 16 * MiB,
    compression: options.compression === false ? [] : (options.compression ?? [gzip]),
    shutdownSignal,
    fastPath: options.fastPath,
    registry: registryOf(options.jsonTypes),
  };
}

function registryOf(types: readonly MessageDesc[] | undefined): Registry | undefined {
  if (types === undefined) return undefined;
  if (!Array.isArray(types) || !types.every((t) => t?.kind === "message")) {
    throw new TypeError("jsonTypes must be an array of message descriptors (…Schema exports)");
  }
  return createRegistry(...descMessages(types));
}

/** Releases what the routes hold between calls (the deadline timer); for a server's stop. */
export function closeRoutes(routes: ReadonlyMap<string, RpcRoute>): void {
  for (const route of routes.values()) route.plan?.options.expiries.close();
}

/** One routable RPC. */
export interface RpcRoute {
  /** Request path, `/pkg.Service/Method`. */
  readonly path: string;
  /** Operation name (same as the path). */
  readonly operation: string;
  /** Method descriptor. */
  readonly method: DescMethod;
  /** Service descriptor. */
  readonly service: DescService;
  /** HTTP verbs the route accepts. */
  readonly allowedMethods: readonly string[];
  /** Connect-ES handler negotiating gRPC, gRPC-Web and Connect. */
  readonly handler: UniversalHandler;
  /** The fast path of a unary method (absent for streams or when disabled). */
  readonly unary?: UnaryPlan;
  /** The plan of a unary method for other transports (REST), whatever `fastPath` says. */
  readonly plan?: UnaryPlan;
  /** The bound implementation, for transports that invoke it directly (REST streams). */
  readonly spec: MethodImplSpec;
  /** The server's interceptors, transport-level first, as Connect-ES runs them. */
  readonly interceptors: readonly Interceptor[];
}

/** Builds the route table; throws when a service is registered twice or is not a descriptor. */
export function buildRoutes(options: RpcOptions): Map<string, RpcRoute> {
  const planOptions = {
    readMaxBytes: options.readMaxBytes,
    writeMaxBytes: options.writeMaxBytes,
    compression: options.compression,
    compressMinBytes: 1024,
    timeoutMs: options.timeoutMs,
    shutdownSignal: options.shutdownSignal,
    calls: new Set<AbortController>(),
    jsonRead: { ignoreUnknownFields: true, registry: options.registry },
    jsonWrite: { registry: options.registry },
    // The server timeout's one timer, for the calls of both paths.
    expiries: new ExpiryQueue(options.timeoutMs, { keepIdle: true }),
  };
  const interceptors = [
    transportMiddleware(options.timeoutMs, planOptions.expiries),
    ...interceptorsOf(options.middleware),
  ];
  const router = createConnectRouter({
    interceptors,
    readMaxBytes: options.readMaxBytes,
    writeMaxBytes: options.writeMaxBytes,
    acceptCompression: [...options.compression],
    shutdownSignal: options.shutdownSignal,
    jsonOptions: options.registry ? { registry: options.registry } : undefined,
  });
  const seen = new Set<string>();
  const specs = new Map<string, MethodImplSpec>();
  for (const entry of options.services) {
    const [service, impl] = entry;
    if (service?.kind !== "service" || !Array.isArray(service.methods)) {
      throw new TypeError(
        "services: each entry must be [ServiceDescriptor, implementation], e.g. [Greeter, impl]",
      );
    }
    if (typeof impl !== "object" || impl === null) {
      throw new TypeError(`services: the implementation of ${service.typeName} must be an object`);
    }
    if (seen.has(service.typeName)) {
      throw new TypeError(`services: ${service.typeName} is registered twice`);
    }
    seen.add(service.typeName);
    router.service(descService(service), serviceImpl(impl));
    const spec = createServiceImplSpec(descService(service), serviceImpl(impl));
    for (const m of Object.values(spec.methods)) {
      specs.set(operationOf(service, m.method), m);
    }
  }
  // One listener per server, not one per call: at the stop deadline every call in flight is
  // aborted with the shutdown reason.
  options.shutdownSignal.addEventListener("abort", () => {
    for (const c of planOptions.calls) c.abort(options.shutdownSignal.reason);
  }, { once: true });
  const routes = new Map<string, RpcRoute>();
  for (const handler of router.handlers) {
    const spec = specs.get(handler.requestPath)!;
    const plan = buildUnaryPlan(
      handler.method,
      spec.kind === "unary"
        ? spec.impl as (req: ProtoMessage, ctx: HandlerContext) => unknown
        : undefined,
      options.middleware,
      planOptions,
    );
    routes.set(handler.requestPath, {
      path: handler.requestPath,
      operation: operationOf(handler.service, handler.method),
      method: handler.method,
      service: handler.service,
      allowedMethods: handler.allowedMethods,
      handler,
      unary: options.fastPath === false ? undefined : plan,
      plan,
      spec,
      interceptors,
    });
  }
  return routes;
}

/**
 * Runs a route's handler inside the request context; the response body is bound to the same
 * context because the runtime pulls it later, from outside.
 */
export async function invokeRoute(
  route: RpcRoute,
  request: UniversalServerRequest,
  values: ContextValues,
  onBodyEnd?: (abandoned: boolean) => void,
): Promise<UniversalServerResponse> {
  const response = await runWithValues(
    values,
    () => route.handler({ ...request, contextValues: values }),
  );
  if (response.body !== undefined) {
    return { ...response, body: bindIterable(values, response.body, onBodyEnd) };
  }
  return response;
}

// Outermost interceptor of every server call: records the deadline for propagation, applies
// the server's unary deadline, turns thrown AtreusErrors into status errors with an ErrorInfo
// detail (also mid-stream), and moves headers set through TransportInfo.replyHeader onto the
// real response — the fast path's rules (transport/deadline.ts, status.ts, info.ts), applied
// through Connect-ES's interceptor.
function transportMiddleware(timeoutMs: number, expiries: ExpiryQueue): Interceptor {
  return (next) => async (req) => {
    const requested = requestTimeoutMs(req.header);
    const bound = callDeadline(req.contextValues, timeoutMs, requested, req.stream);
    let res;
    try {
      res = bound !== undefined && !req.stream
        ? await withDeadline(next, req, bound, requested, expiries)
        : await next(req);
    } catch (error) {
      throw fromAtreusError(error);
    }
    adoptReplyHeader(req.contextValues?.get(serverTransportKey), res.header);
    if (res.stream) return { ...res, message: mapErrors(res.message) };
    return res;
  };
}

// A plain iterator rather than an async generator: this runs once per streamed message.
function mapErrors<T>(messages: AsyncIterable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const it = messages[Symbol.asyncIterator]();
      const convert = (error: unknown): never => {
        throw fromAtreusError(error);
      };
      return {
        next: (v?: unknown) => it.next(v).then(undefined, convert),
        return: (v?: unknown) =>
          it.return?.(v) ?? Promise.resolve({ done: true, value: v } as IteratorResult<T>),
        throw: (e?: unknown) => it.throw?.(e) ?? Promise.reject(e),
      };
    },
  };
}

// The deadline race of the fast path, around Connect-ES's next step; the handler's signal also
// aborts when Connect-ES's own does (the client left, the server stops), which ends the call
// as Canceled, as Connect-ES would.
async function withDeadline<Req extends { signal: AbortSignal }, Res>(
  next: (req: Req) => Promise<Res>,
  req: Req,
  bound: number,
  requested: number | undefined,
  expiries: ExpiryQueue,
): Promise<Res> {
  const deadline = new AbortController();
  const signal = AbortSignal.any([req.signal, deadline.signal]);
  let onAbort: (() => void) | undefined;
  const cancelled = new Promise<never>((_, reject) => {
    onAbort = () => reject(ConnectError.from(req.signal.reason, Code.Canceled));
    req.signal.addEventListener("abort", onAbort, { once: true });
  });
  // The request's signal may also fire after the call completed; nobody awaits `cancelled` then.
  cancelled.catch(() => {});
  try {
    return await raceDeadline(
      Promise.race([next({ ...req, signal }), cancelled]),
      bound,
      requested,
      deadline,
      expiries,
    );
  } finally {
    if (onAbort) req.signal.removeEventListener("abort", onAbort);
  }
}
