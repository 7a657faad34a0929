// RPC metrics on `@opentelemetry/api` (or the in-process registry): a duration histogram and a
// request counter per side, with semantic-convention attributes, streams measured to their
// end. Unlike Kratos's metrics middleware, it records without being handed instruments.
import { metrics as otelMetrics } from "@opentelemetry/api";
import {
  type CallRequest,
  kindOf,
  type Middleware,
  serverTransportKey,
  type TransportKind,
} from "../transport/mod.ts";
import { endCode, httpEndStatus, observeCall } from "./call_outcome.ts";
import {
  bindSeries,
  type BoundRecorder,
  type CounterLike,
  DEFAULT_BUCKETS,
  type HistogramLike,
  isBindable,
  type MeterLike,
  type MetricAttributesLike,
} from "./metrics_registry.ts";
import { rpcNames, type RpcSystem, rpcSystem } from "./rpc_semconv.ts";

export type {
  CounterLike,
  HistogramLike,
  InstrumentOptionsLike,
  MeterLike,
  MetricAttributesLike,
} from "./metrics_registry.ts";

/** Options of `metrics.server()` and `metrics.client()`. */
export interface MetricsOptions {
  /**
   * Where to record: an OpenTelemetry `Meter` (an SDK's) or `createMetricsRegistry()`. Default:
   * the global meter `"atreus"`, looked up at the first call — so register the SDK's
   * `MeterProvider` before serving (the API has no proxy meter; before that it is a no-op).
   */
  readonly meter?: MeterLike;
  /** Upper bounds of the duration buckets in ms (default OpenTelemetry's, 0 … 10 000). */
  readonly buckets?: readonly number[];
  /** Clock in ms (default `performance.now`), injectable for tests. */
  readonly now?: () => number;
}

interface Instruments {
  readonly duration: HistogramLike;
  readonly requests: CounterLike;
}

/** The recorders of one route and status, bound once. */
interface Recorders {
  readonly duration: BoundRecorder;
  readonly requests: BoundRecorder;
}

interface Route {
  readonly system: RpcSystem;
  readonly base: MetricAttributesLike;
  /** By status code (gRPC code, or HTTP status for REST). */
  readonly byStatus: Map<number, Recorders>;
}

/**
 * Server middleware: `rpc.server.duration` (histogram, ms) and `rpc.server.requests` (counter)
 * per `rpc.system`, `rpc.service`, `rpc.method` and status — `rpc.grpc.status_code` for gRPC,
 * gRPC-Web and Connect alike (one label for every protocol; Connect codes are gRPC's numbers),
 * `http.response.status_code` for REST. Streams are measured until they end; a stream the
 * client abandons counts as Canceled. In Prometheus these are
 * `rpc_server_duration_milliseconds` and `rpc_server_requests_total`.
 */
export function server(options: MetricsOptions = {}): Middleware {
  return measure("server", options);
}

/** Client middleware: `rpc.client.duration` and `rpc.client.requests`, as `server()` does. */
export function client(options: MetricsOptions = {}): Middleware {
  return measure("client", options);
}

function measure(side: "server" | "client", options: MetricsOptions): Middleware {
  const buckets = [...(options.buckets ?? DEFAULT_BUCKETS)];
  for (let i = 0; i < buckets.length; i++) {
    if (!Number.isFinite(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1])) {
      throw new RangeError("metrics: buckets must be finite and strictly ascending");
    }
  }
  const create = (meter: MeterLike): Instruments => {
    if (typeof meter?.createHistogram !== "function" || typeof meter.createCounter !== "function") {
      throw new TypeError(
        "metrics: meter must be an OpenTelemetry Meter or createMetricsRegistry()",
      );
    }
    return {
      duration: meter.createHistogram(`rpc.${side}.duration`, {
        description: side === "server" ? "Duration of inbound RPCs." : "Duration of outbound RPCs.",
        unit: "ms",
        advice: { explicitBucketBoundaries: buckets },
      }),
      requests: meter.createCounter(`rpc.${side}.requests`, {
        description: side === "server" ? "Inbound RPCs by status." : "Outbound RPCs by status.",
        unit: "{request}",
      }),
    };
  };
  const now = options.now ?? (() => performance.now());
  let instruments = options.meter === undefined ? undefined : create(options.meter);
  const routes = new WeakMap<object, Map<TransportKind, Route>>();
  const routeOf = (req: CallRequest, kind: TransportKind): Route => {
    let byKind = routes.get(req.method);
    if (byKind === undefined) routes.set(req.method, byKind = new Map());
    let route = byKind.get(kind);
    if (route === undefined) {
      const names = rpcNames(req);
      const system = rpcSystem(kind);
      route = {
        system,
        base: { "rpc.system": system, "rpc.service": names.service, "rpc.method": names.method },
        byStatus: new Map(),
      };
      byKind.set(kind, route);
    }
    return route;
  };
  const recordersOf = (inst: Instruments, route: Route, status: number): Recorders => {
    let r = route.byStatus.get(status);
    if (r === undefined) {
      const key = route.system === "http" ? "http.response.status_code" : "rpc.grpc.status_code";
      const attributes = { ...route.base, [key]: status };
      r = { duration: bind(inst.duration, attributes), requests: bind(inst.requests, attributes) };
      route.byStatus.set(status, r);
    }
    return r;
  };
  return (next) => (req) => {
    const start = now();
    const inst = instruments ??= create(otelMetrics.getMeter("atreus"));
    const kind = side === "server"
      ? req.contextValues.get(serverTransportKey)?.kind ?? "connect"
      : kindOf(req.header.get("content-type"));
    const route = routeOf(req, kind);
    return observeCall(next, req, (error, abandoned) => {
      const elapsed = now() - start;
      const code = endCode(error, abandoned);
      const status = route.system !== "http" ? code : httpEndStatus(code, error);
      const r = recordersOf(inst, route, status);
      r.duration(elapsed);
      r.requests(1);
    });
  };
}

function bind(instrument: HistogramLike | CounterLike, attributes: MetricAttributesLike) {
  if (isBindable(instrument)) return instrument[bindSeries](attributes);
  if ("record" in instrument) return (value: number) => instrument.record(value, attributes);
  return (value: number) => instrument.add(value, attributes);
}
