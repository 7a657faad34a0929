// OpenTelemetry RPC semantic-convention names of a call, computed once per method and reused:
// tracing and metrics sit on every call, and building the same strings per call is waste.
import type { CallRequest, TransportKind } from "../transport/mod.ts";

/** Names of an RPC as semantic conventions and Kratos spell them. */
export interface RpcNames {
  /** `/pkg.Service/Method`, Kratos's operation. */
  readonly operation: string;
  /** `rpc.service`: `pkg.Service`. */
  readonly service: string;
  /** `rpc.method`: `Method`. */
  readonly method: string;
}

/** `rpc.system` values: gRPC-Web is gRPC's wire format over HTTP/1, so it reports as `grpc`. */
export type RpcSystem = "grpc" | "connect_rpc" | "http";

const cache = new WeakMap<object, RpcNames>();

/** The names of `req`'s RPC. */
export function rpcNames(req: CallRequest): RpcNames {
  let names = cache.get(req.method);
  if (names === undefined) {
    const service = req.service.typeName;
    const method = req.method.name;
    names = { operation: `/${service}/${method}`, service, method };
    cache.set(req.method, names);
  }
  return names;
}

/** The `rpc.system` of a transport kind. */
export function rpcSystem(kind: TransportKind): RpcSystem {
  return kind === "connect" ? "connect_rpc" : kind === "http" ? "http" : "grpc";
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

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}
