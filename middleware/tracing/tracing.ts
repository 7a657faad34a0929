// OpenTelemetry tracing on `@opentelemetry/api` alone, like Kratos's tracing middleware: a
// SERVER span per served call, a CLIENT span per outgoing call, W3C trace context on the wire,
// RPC semantic-convention attributes, and the ids in the request context for log valuers.
// Which SDK records the spans (if any) is the application's choice.
import {
  type Context,
  context as otelContext,
  INVALID_SPANID,
  INVALID_TRACEID,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import { fromError, GrpcCode } from "../../errors/mod.ts";
import { childValues, currentValues, getValue, runWithValues } from "../../internal/context.ts";
import { traceContextKey } from "../../internal/trace.ts";
import type { CallRequest, Middleware, TransportKind } from "../../internal/contract.ts";
import { kindOf, serverTransportKey } from "../../internal/transport_info.ts";
import { connectCodeName, endCode, httpEndStatus, observeCall } from "../call_outcome.ts";
import {
  clientServer,
  grpcCodeName,
  hostPort,
  isRpcError,
  rpcNames,
  type RpcSystem,
  rpcSystem,
  urlScheme,
} from "../rpc_semconv.ts";
import { activeSpanKey, type SpanHandle } from "./context.ts";
import { registered } from "./globals.ts";
import { headerPropagation, type PropagatorLike } from "./propagation.ts";

export type { SpanHandle } from "./context.ts";
export type { PropagatorLike } from "./propagation.ts";

/** Anything with OpenTelemetry's `TracerProvider.getTracer` (an SDK's provider). */
export interface TracerProviderLike {
  /** Returns a tracer (an OpenTelemetry `Tracer`). */
  getTracer(name: string, version?: string): unknown;
}

/** Options of `tracing.server()` and `tracing.client()`. */
export interface TracingOptions {
  /** Where spans go (default: the global provider, a no-op until an SDK registers one). */
  readonly tracerProvider?: TracerProviderLike;
  /** Instrumentation scope name of the tracer (default `"atreus"`, Kratos uses `"kratos"`). */
  readonly tracerName?: string;
  /**
   * Propagator of the trace context (default: the globally registered one, or the built-in W3C
   * Trace Context one when none is).
   */
  readonly propagator?: PropagatorLike;
}

/** What a span knows about its route before it starts, built once per route. */
interface Route {
  readonly name: string;
  readonly system: RpcSystem;
  readonly options: SpanOptions;
}

function providerOf(options: TracingOptions): TracerProviderLike {
  // The global provider is a proxy: spans reach an SDK registered after this point.
  return options.tracerProvider ?? trace.getTracerProvider();
}

function tracerOf(options: TracingOptions, provider = providerOf(options)): Tracer {
  const tracer = provider.getTracer(options.tracerName ?? "atreus") as Tracer;
  if (typeof tracer?.startSpan !== "function") {
    throw new TypeError("tracing: tracerProvider.getTracer() did not return a tracer");
  }
  return tracer;
}

// What a proxy without a delegate hands out: its tracers then start no-op spans.
const noDelegate = new ProxyTracerProvider().getDelegate();

/**
 * Whether every span `provider`'s tracers start now is the no-op tracer's: a proxy (the global
 * provider is one) with no SDK behind it yet. Asked per call, since an SDK may be registered at
 * any time; any other provider may record, so it is never assumed to be a no-op.
 */
function noopWhile(provider: TracerProviderLike): () => boolean {
  if (!(provider instanceof ProxyTracerProvider)) return () => false;
  return () => provider.getDelegate() === noDelegate;
}

/**
 * Server middleware: continues the caller's trace (W3C `traceparent`/`tracestate`) with a
 * SERVER span, per OpenTelemetry's RPC conventions (semconv v1.44): named `pkg.Service/Method`
 * (`rpc.method`), with `rpc.system.name` (`grpc` for gRPC and gRPC-Web, `connectrpc`),
 * `server.address`/`.port`, and on the way out `rpc.status_code` (gRPC's names, e.g.
 * `NOT_FOUND`; on Connect the error code, absent on success). REST calls follow the HTTP
 * conventions: named `GET /v1/{name}`, with `http.request.method`, `http.route`, `url.scheme`,
 * `url.path`, `http.response.status_code`, and `rpc.method` of the RPC behind the route.
 * Errors are recorded as exceptions; server faults (Unknown, DeadlineExceeded, Unimplemented,
 * Internal, Unavailable, DataLoss; 5xx on REST) also set `error.type` and the ERROR status, as
 * the conventions ask. A unary span ends with the response, a stream's when the stream ends
 * (Canceled if the client goes away first).
 *
 * The ids go into the request context, so `log` valuers `traceId()`/`spanId()` print them, and
 * the span becomes the parent of client calls made while serving. Without an SDK no spans are
 * recorded, but a valid incoming `traceparent` is still carried: the ids are the caller's and
 * travel on unchanged. No ids are invented when none arrive: an id no backend knows would make
 * downstream traces orphans, and unsampled ones — as Kratos yields empty ids without a provider.
 */
export function server(options: TracingOptions = {}): Middleware {
  const provider = providerOf(options);
  const tracer = tracerOf(options, provider);
  const noop = noopWhile(provider);
  const propagation = headerPropagation(options.propagator);
  // Per method, per endpoint, per kind (and per path template on REST).
  const routes = new WeakMap<object, Map<string, Map<string, Route>>>();
  const routeOf = (req: CallRequest, kind: TransportKind, endpoint: string, template?: string) => {
    let byEndpoint = routes.get(req.method);
    if (byEndpoint === undefined) routes.set(req.method, byEndpoint = new Map());
    let byKind = byEndpoint.get(endpoint);
    if (byKind === undefined) byEndpoint.set(endpoint, byKind = new Map());
    const key = template === undefined ? kind : `${kind} ${template}`;
    let route = byKind.get(key);
    if (route === undefined) {
      route = buildRoute(req, SpanKind.SERVER, kind, endpoint, template);
      byKind.set(key, route);
    }
    return route;
  };
  return (next) => (req) => {
    const parent = propagation.extract(req.header);
    // The no-op tracer's span for a call without a trace context carries invalid ids, which
    // the call would pass by below: skip building it (the common case without an SDK).
    if (parent === ROOT_CONTEXT && noop()) return next(req);
    const values = req.contextValues;
    const info = values.get(serverTransportKey);
    const kind = info?.kind ?? "connect";
    const route = routeOf(req, kind, info?.endpoint ?? "", info?.pathTemplate);
    const span = tracer.startSpan(route.name, route.options, parent);
    const sc = span.spanContext();
    if (!valid(sc)) return next(req);
    values.set(traceContextKey, { traceId: sc.traceId, spanId: sc.spanId });
    values.set(activeSpanKey, span);
    const managed = contextManaged();
    if (!span.isRecording()) {
      return managed
        ? otelContext.with(trace.setSpan(parent, span), next, undefined, req)
        : next(req);
    }
    if (route.system === "http") span.setAttribute("url.path", pathOf(req.url));
    const run = () =>
      observeCall(next, req, (error, abandoned) => end(span, route, error, abandoned, false));
    return managed ? otelContext.with(trace.setSpan(parent, span), run) : run();
  };
}

/**
 * Whether a context manager is registered. Without one, `context.with` runs its function and
 * drops the context (`context.active()` is always the root), so the span's context — a new
 * context object with a copied map and three closures — need not be built.
 */
function contextManaged(): boolean {
  return registered("context");
}

/**
 * Client middleware: a CLIENT span per call, child of the active span (an OpenTelemetry
 * context's, else the span of the call being served), with the same attributes as the server
 * side plus `server.address`/`.port` of the URL; its context is sent as `traceparent` (and
 * `tracestate`). Any failure sets `error.type` and the ERROR status. While the call runs, the request context
 * holds the client span's ids, so `logging.client()` placed after it logs them.
 */
export function client(options: TracingOptions = {}): Middleware {
  const tracer = tracerOf(options);
  const propagation = headerPropagation(options.propagator);
  // Per kind, per URL (the URL names the method and the endpoint). URLs come from client
  // configuration, but discovery can churn endpoints, so the cache is bounded.
  const routes = new Map<string, Map<string, Route>>();
  const routeOf = (req: CallRequest, kind: TransportKind) => {
    let byUrl = routes.get(kind);
    if (byUrl === undefined) routes.set(kind, byUrl = new Map());
    let route = byUrl.get(req.url);
    if (route === undefined) {
      if (byUrl.size >= 1024) byUrl.clear();
      route = buildRoute(req, SpanKind.CLIENT, kind, req.url);
      byUrl.set(req.url, route);
    }
    return route;
  };
  return (next) => (req) => {
    const kind = kindOf(req.header.get("content-type"));
    const route = routeOf(req, kind);
    const active = otelContext.active();
    let parent: Context = active;
    if (trace.getSpan(active) === undefined) {
      const serving = getValue(activeSpanKey);
      if (serving !== undefined) parent = trace.setSpan(active, serving as Span);
    }
    const span = tracer.startSpan(route.name, route.options, parent);
    const sc = span.spanContext();
    if (!valid(sc)) return next(req);
    const ctx = trace.setSpan(parent, span);
    propagation.inject(ctx, sc, req.header);
    const scope = childValues(currentValues());
    scope.set(traceContextKey, { traceId: sc.traceId, spanId: sc.spanId });
    scope.set(activeSpanKey, span);
    const run = span.isRecording()
      ? () => observeCall(next, req, (error, abandoned) => end(span, route, error, abandoned, true))
      : () => next(req);
    return runWithValues(scope, () => otelContext.with(ctx, run));
  };
}

/** The span of the call being served (or of the client call in progress), if tracing is on. */
export function activeSpan(): SpanHandle | undefined {
  return getValue(activeSpanKey);
}

function buildRoute(
  req: CallRequest,
  kind: SpanKind,
  transport: TransportKind,
  url: string,
  template?: string,
): Route {
  const names = rpcNames(req);
  const system = rpcSystem(transport);
  const attributes: Record<string, string | number> = {};
  let name = names.fullMethod;
  if (system === "http") {
    // REST routes are HTTP requests: named and described by the HTTP conventions, with the
    // RPC they map to alongside.
    attributes["http.request.method"] = req.requestMethod;
    attributes["url.scheme"] = urlScheme(req.url) ?? "http";
    if (template !== undefined) {
      attributes["http.route"] = template;
      name = `${req.requestMethod} ${template}`;
    } else {
      name = req.requestMethod;
    }
    attributes["rpc.method"] = names.fullMethod;
  } else {
    attributes["rpc.system.name"] = system;
    attributes["rpc.method"] = names.fullMethod;
  }
  const address = kind === SpanKind.CLIENT ? clientServer(url, names) : hostPort(url);
  if (address !== undefined) {
    attributes["server.address"] = address.host;
    if (address.port !== undefined) attributes["server.port"] = address.port;
  }
  return { name, system, options: { kind, attributes } };
}

function pathOf(url: string): string {
  const start = url.indexOf("//");
  const slash = url.indexOf("/", start < 0 ? 0 : start + 2);
  if (slash < 0) return "/";
  const query = url.indexOf("?", slash);
  return url.slice(slash, query < 0 ? url.length : query);
}

// The API's own check runs two regexes; ids here come from an SDK or from a header already
// validated, so only the no-op tracer's all-zero ids need telling apart.
function valid(sc: SpanContext): boolean {
  return sc.traceId !== INVALID_TRACEID && sc.spanId !== INVALID_SPANID;
}

function end(span: Span, route: Route, error: unknown, abandoned: boolean, client: boolean): void {
  const code = endCode(error, abandoned);
  let errorType: string | undefined;
  if (route.system === "http") {
    const status = httpEndStatus(code, error);
    span.setAttribute("http.response.status_code", status);
    if (status >= (client ? 400 : 500)) errorType = String(status);
  } else {
    // A Connect response carries an error code only when it failed; gRPC always has a status.
    const status = route.system === "grpc"
      ? grpcCodeName(code)
      : code === GrpcCode.OK
      ? undefined
      : connectCodeName(code);
    if (status !== undefined) span.setAttribute("rpc.status_code", status);
    if (isRpcError(code, client)) errorType = status;
  }
  if (error !== undefined) {
    const e = fromError(error);
    span.recordException(error instanceof Error ? error : e);
    if (errorType !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
  }
  if (errorType !== undefined) span.setAttribute("error.type", errorType);
  span.end();
}
