// OpenTelemetry semantic-convention names of a call (RPC conventions as of semconv v1.44, HTTP
// conventions for REST routes), computed once per method and reused: tracing and metrics sit
// on every call, and building the same strings per call is waste.
import { GrpcCode } from "../errors/mod.ts";
import type { CallRequest, TransportKind } from "../internal/contract.ts";

/** Names of an RPC as semantic conventions and Kratos spell them. */
export interface RpcNames {
  /** `/pkg.Service/Method`, Kratos's operation. */
  readonly operation: string;
  /** `rpc.method`: `pkg.Service/Method`, also the span name. */
  readonly fullMethod: string;
}

/**
 * `rpc.system.name` values: gRPC-Web is gRPC's wire format over HTTP/1, so it reports as
 * `grpc`; REST routes follow the HTTP conventions instead and report as `http`.
 */
export type RpcSystem = "grpc" | "connectrpc" | "http";

const cache = new WeakMap<object, RpcNames>();

/** The names of `req`'s RPC. */
export function rpcNames(req: CallRequest): RpcNames {
  let names = cache.get(req.method);
  if (names === undefined) {
    const fullMethod = `${req.service.typeName}/${req.method.name}`;
    names = { operation: `/${fullMethod}`, fullMethod };
    cache.set(req.method, names);
  }
  return names;
}

/** The `rpc.system.name` of a transport kind. */
export function rpcSystem(kind: TransportKind): RpcSystem {
  return kind === "connect" ? "connectrpc" : kind === "http" ? "http" : "grpc";
}

// gRPC's status code names (grpc/doc/statuscodes.md), which `rpc.status_code` carries on gRPC.
const grpcNames = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

/** gRPC's name of a status code, e.g. `NOT_FOUND`. */
export function grpcCodeName(code: GrpcCode): string {
  return grpcNames[code] ?? String(code);
}

// Codes that mean the server failed, not the caller (the gRPC and Connect conventions list the
// same six for server spans and metrics).
const serverFaults = new Set<number>([
  GrpcCode.Unknown,
  GrpcCode.DeadlineExceeded,
  GrpcCode.Unimplemented,
  GrpcCode.Internal,
  GrpcCode.Unavailable,
  GrpcCode.DataLoss,
]);

/**
 * Whether a call that ended with `code` counts as an error on this side: on a client every
 * code but OK, on a server only the server faults.
 */
export function isRpcError(code: GrpcCode, client: boolean): boolean {
  return client ? code !== GrpcCode.OK : serverFaults.has(code);
}

/** `host` and `port` of a URL or endpoint, without a full URL parse. */
export function hostPort(url: string): { host: string; port: number | undefined } | undefined {
  const start = url.indexOf("//");
  if (start < 0) return undefined;
  let end = url.indexOf("/", start + 2);
  if (end < 0) end = url.length;
  const authority = url.slice(start + 2, end);
  const colon = authority.lastIndexOf(":");
  if (colon < 0 || authority.endsWith("]")) {
    return authority === "" ? undefined : { host: unbracket(authority), port: undefined };
  }
  const port = Number(authority.slice(colon + 1));
  return {
    host: unbracket(authority.slice(0, colon)),
    port: Number.isInteger(port) && port > 0 ? port : undefined,
  };
}

/**
 * `server.address`/`server.port` of a client call to `url`: host and port of an http(s) URL;
 * for a target the client resolves itself (`discovery:///helloworld`, `direct:///a:1,b:2`) the
 * whole target and no port, as the gRPC conventions ask of targets without one host.
 */
export function clientServer(
  url: string,
  names: RpcNames,
): { host: string; port: number | undefined } | undefined {
  if (url.startsWith("http://") || url.startsWith("https://")) return hostPort(url);
  const suffix = `/${names.fullMethod}`;
  const target = url.endsWith(suffix) ? url.slice(0, -suffix.length) : url;
  return target === "" ? undefined : { host: target, port: undefined };
}

/** The scheme of a URL (`http`, `https`), or `undefined` when it has none. */
export function urlScheme(url: string): string | undefined {
  const colon = url.indexOf("://");
  return colon > 0 ? url.slice(0, colon).toLowerCase() : undefined;
}

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}
