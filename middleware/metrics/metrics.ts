// RPC metrics on `@opentelemetry/api` (or the in-process registry): one duration histogram per
// side in seconds, named and labelled by OpenTelemetry's semantic conventions, or by Kratos's
// metrics middleware for dashboards built on Go Kratos. Streams are measured to their end.
// Unlike Kratos's middleware, it records without being handed instruments.
import { metrics as otelMetrics } from "@opentelemetry/api";
import { fromError, GrpcCode } from "../../errors/mod.ts";
import type { CallRequest, Middleware, TransportKind } from "../../internal/contract.ts";
import { kindOf, serverTransportKey } from "../../internal/transport_info.ts";
import { connectCodeName, endCode, httpEndStatus, observeCall } from "../call_outcome.ts";
import {
  bindSeries,
  type CounterLike,
  type HistogramLike,
  isBindable,
  type MeterLike,
  type MetricAttributesLike,
} from "./registry.ts";
import {
  clientServer,
  grpcCodeName,
  isRpcError,
  rpcNames,
  rpcSystem,
  urlScheme,
} from "../rpc_semconv.ts";

/**
 * Which names and labels to record: `semconv` — OpenTelemetry's RPC conventions
 * (`rpc.server.call.duration`; REST routes as `http.server.request.duration`); `kratos` — Go
 * Kratos's metrics middleware (`server_requests_code_total`, `server_requests_seconds`).
 */
export type MetricsConvention = "semconv" | "kratos";

/** Options of `metrics.server()` and `metrics.client()`. */
export interface MetricsOptions {
  /**
   * Where to record: an OpenTelemetry `Meter` (an SDK's) or `createMetricsRegistry()`. Default:
   * the global meter `"atreus"`, looked up at the first call — so register the SDK's
   * `MeterProvider` before serving (the API has no proxy meter; before that it is a no-op).
   */
  readonly meter?: MeterLike;
  /** Names and labels (default `semconv`); pass two middleware to record both. */
  readonly convention?: MetricsConvention;
  /**
   * Upper bounds of the duration buckets, in seconds like the histogram itself (it is the
   * instrument's `explicitBucketBoundaries` advice). Default: the convention's —
   * `0.005 … 10` (semconv), `0.005 … 1` (Kratos).
   */
  readonly buckets?: readonly number[];
  /** Clock in ms (default `performance.now`), injectable for tests. */
  readonly now?: () => number;
}

/** The bucket boundaries (s) the RPC and HTTP conventions advise for call durations. */
export const SEMCONV_BUCKETS: readonly number[] = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.075,
  0.1,
  0.25,
  0.5,
  0.75,
  1,
  2.5,
  5,
  7.5,
  10,
];

/** The bucket boundaries (s) of Kratos's `DefaultSecondsHistogram`. */
export const KRATOS_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/**
 * Server middleware. With `convention: "semconv"` (the default) it records
 * `rpc.server.call.duration` (s) by `rpc.system.name` (`grpc` for gRPC and gRPC-Web,
 * `connectrpc`), `rpc.method` (`pkg.Service/Method`), `rpc.status_code` (gRPC's names, e.g.
 * `NOT_FOUND`; on Connect the error code, e.g. `not_found`, absent on success) and `error.type`
 * for server faults; REST calls go to `http.server.request.duration` by `http.request.method`,
 * `http.route`, `url.scheme`, `http.response.status_code` (and `error.type` on 5xx). In
 * Prometheus: `rpc_server_call_duration_seconds` and `http_server_request_duration_seconds`
 * (`_count` is the request count). With `convention: "kratos"` it records what Go Kratos's
 * metrics middleware does: `server_requests_code_total{kind,operation,code,reason}` and
 * `server_requests_seconds{kind,operation}` (`code` the HTTP status, 200 on success; `kind` the
 * transport kind). Streams are measured until they end; a stream the client abandons counts
 * as Canceled.
 */
export function server(options: MetricsOptions = {}): Middleware {
  return measure("server", options);
}

/**
 * Client middleware: `rpc.client.call.duration` with `server.address`/`server.port` of the
 * URL and `error.type` on any failure, or Kratos's `client_requests_code_total` and
 * `client_requests_seconds` — as `server()` describes.
 */
export function client(options: MetricsOptions = {}): Middleware {
  return measure("client", options);
}

type Side = "server" | "client";

interface Instruments {
  readonly rpc: HistogramLike;
  /** REST routes (semconv, server side). */
  readonly http?: HistogramLike;
  /** Requests by code (Kratos). */
  readonly requests?: CounterLike;
}

/** How the call ended, as one route records it. */
type Recorder = (error: unknown, abandoned: boolean, seconds: number) => void;

function measure(side: Side, options: MetricsOptions): Middleware {
  const convention = options.convention ?? "semconv";
  if (convention !== "semconv" && convention !== "kratos") {
    throw new TypeError(`metrics: unknown convention ${JSON.stringify(convention)}`);
  }
  const buckets = [
    ...(options.buckets ?? (convention === "kratos" ? KRATOS_BUCKETS : SEMCONV_BUCKETS)),
  ];
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
    const advice = { explicitBucketBoundaries: buckets };
    const inbound = side === "server";
    if (convention === "kratos") {
      return {
        rpc: meter.createHistogram(`${side}_requests_seconds`, {
          description: inbound ? "Duration of served requests." : "Duration of client requests.",
          unit: "s",
          advice,
        }),
        requests: meter.createCounter(`${side}_requests_code_total`, {
          description: inbound ? "Served requests by code." : "Client requests by code.",
          unit: "{call}",
        }),
      };
    }
    return {
      rpc: meter.createHistogram(`rpc.${side}.call.duration`, {
        description: inbound
          ? "Measures the duration of an incoming Remote Procedure Call (RPC)."
          : "Measures the duration of an outgoing Remote Procedure Call (RPC).",
        unit: "s",
        advice,
      }),
      http: inbound
        ? meter.createHistogram("http.server.request.duration", {
          description: "Duration of HTTP server requests.",
          unit: "s",
          advice,
        })
        : undefined,
    };
  };
  const now = options.now ?? (() => performance.now());
  let instruments = options.meter === undefined ? undefined : create(options.meter);
  const routes = side === "server" ? serverRoutes(convention) : clientRoutes(convention);
  return (next) => (req) => {
    const start = now();
    const inst = instruments ??= create(otelMetrics.getMeter("atreus"));
    const record = routes(inst, req);
    return observeCall(next, req, (error, abandoned) => {
      record(error, abandoned, (now() - start) / 1000);
    });
  };
}

/** Routes of a server: per method, per kind (and per path template on REST). */
function serverRoutes(convention: MetricsConvention) {
  const routes = new WeakMap<object, Map<string, Recorder>>();
  return (inst: Instruments, req: CallRequest): Recorder => {
    const info = req.contextValues.get(serverTransportKey);
    const kind = info?.kind ?? "connect";
    const template = info?.pathTemplate;
    let byKey = routes.get(req.method);
    if (byKey === undefined) routes.set(req.method, byKey = new Map());
    const key = template === undefined ? kind : `${kind} ${template}`;
    let record = byKey.get(key);
    if (record === undefined) {
      record = convention === "kratos"
        ? kratosRoute(inst, req, kind)
        : kind === "http"
        ? httpRoute(inst, req, template)
        : rpcRoute(inst, req, kind, false);
      byKey.set(key, record);
    }
    return record;
  };
}

/** Routes of a client: per kind, per URL (bounded: discovery can churn endpoints). */
function clientRoutes(convention: MetricsConvention) {
  const routes = new Map<string, Map<string, Recorder>>();
  return (inst: Instruments, req: CallRequest): Recorder => {
    const kind = kindOf(req.header.get("content-type"));
    let byUrl = routes.get(kind);
    if (byUrl === undefined) routes.set(kind, byUrl = new Map());
    let record = byUrl.get(req.url);
    if (record === undefined) {
      if (byUrl.size >= 1024) byUrl.clear();
      record = convention === "kratos"
        ? kratosRoute(inst, req, kind)
        : rpcRoute(inst, req, kind, true);
      byUrl.set(req.url, record);
    }
    return record;
  };
}

/** A map of bound series by how calls ended, bounded against unbounded error reasons. */
function seriesCache<K, V>(make: (key: K) => V): (key: K) => V {
  const cache = new Map<K, V>();
  return (key) => {
    let v = cache.get(key);
    if (v === undefined) {
      if (cache.size >= 256) cache.clear();
      v = make(key);
      cache.set(key, v);
    }
    return v;
  };
}

function rpcRoute(inst: Instruments, req: CallRequest, kind: TransportKind, client: boolean) {
  const system = rpcSystem(kind);
  const base: Record<string, string | number> = {
    "rpc.system.name": system,
    "rpc.method": rpcNames(req).fullMethod,
  };
  if (client) {
    const address = clientServer(req.url, rpcNames(req));
    if (address !== undefined) {
      base["server.address"] = address.host;
      if (address.port !== undefined) base["server.port"] = address.port;
    }
  }
  const byCode = seriesCache((code: GrpcCode) => {
    const attributes: Record<string, string | number> = { ...base };
    const status = system === "grpc" ? grpcCodeName(code) : connectStatus(code);
    if (status !== undefined) attributes["rpc.status_code"] = status;
    if (isRpcError(code, client)) attributes["error.type"] = status ?? grpcCodeName(code);
    return bind(inst.rpc, attributes);
  });
  return (error: unknown, abandoned: boolean, seconds: number) => {
    byCode(endCode(error, abandoned))(seconds);
  };
}

// A Connect response carries an error code only when it failed.
function connectStatus(code: GrpcCode): string | undefined {
  return code === GrpcCode.OK ? undefined : connectCodeName(code);
}

function httpRoute(inst: Instruments, req: CallRequest, template: string | undefined) {
  const base: Record<string, string | number> = {
    "http.request.method": req.requestMethod,
    "url.scheme": urlScheme(req.url) ?? "http",
  };
  if (template !== undefined) base["http.route"] = template;
  const byStatus = seriesCache((status: number) => {
    const attributes: Record<string, string | number> = {
      ...base,
      "http.response.status_code": status,
    };
    if (status >= 500) attributes["error.type"] = String(status);
    return bind(inst.http!, attributes);
  });
  return (error: unknown, abandoned: boolean, seconds: number) => {
    byStatus(httpEndStatus(endCode(error, abandoned), error))(seconds);
  };
}

// Kratos labels the counter by kind, operation, code (the HTTP status of its errors table,
// 200 on success) and reason, and the histogram by kind and operation only.
function kratosRoute(inst: Instruments, req: CallRequest, kind: TransportKind) {
  const base = { kind, operation: rpcNames(req).operation };
  const seconds = bind(inst.rpc, base);
  const byOutcome = seriesCache((key: string) => {
    const split = key.indexOf(" ");
    return bind(inst.requests!, {
      ...base,
      code: Number(key.slice(0, split)),
      reason: key.slice(split + 1),
    });
  });
  return (error: unknown, abandoned: boolean, elapsed: number) => {
    const code = httpEndStatus(endCode(error, abandoned), error);
    const reason = error === undefined ? "" : fromError(error).reason;
    byOutcome(`${code} ${reason}`)(1);
    seconds(elapsed);
  };
}

function bind(instrument: HistogramLike | CounterLike, attributes: MetricAttributesLike) {
  if (isBindable(instrument)) return instrument[bindSeries](attributes);
  if ("record" in instrument) {
    return (value: number) => (instrument as HistogramLike).record(value, attributes);
  }
  return (value: number) => instrument.add(value, attributes);
}
