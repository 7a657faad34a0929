// The path selector and the one entry of the fast path, for both servers: which requests the fast
// path serves (a unary method, a protocol and a media type it speaks exactly) and the protocol
// code that serves them. Everything else — streams, `fastPath: false`, other media types or
// verbs — is left to the Connect-ES router, as the servers do when this says `undefined`.
import type { TransportKind } from "../../internal/contract.ts";
import { serveConnectUnary, type UnaryCall } from "./connect.ts";
import { serveGrpcUnary } from "./grpc.ts";
import { serveGrpcWebUnary } from "./grpcweb.ts";
import type { UnaryPlan } from "./plan.ts";
import type { UnaryReply } from "./reply.ts";

/** How the fast path serves a request: the protocol, and binary or JSON messages. */
export interface FastRoute {
  /** The protocol the request speaks. */
  readonly protocol: "connect" | "grpc-web" | "grpc";
  /** Binary (`proto`) messages rather than JSON. */
  readonly binary: boolean;
}

// One object per choice, shared by every call.
const CONNECT_PROTO: FastRoute = Object.freeze({ protocol: "connect", binary: true });
const CONNECT_JSON: FastRoute = Object.freeze({ protocol: "connect", binary: false });
const WEB_PROTO: FastRoute = Object.freeze({ protocol: "grpc-web", binary: true });
const WEB_JSON: FastRoute = Object.freeze({ protocol: "grpc-web", binary: false });
const GRPC_PROTO: FastRoute = Object.freeze({ protocol: "grpc", binary: true });
const GRPC_JSON: FastRoute = Object.freeze({ protocol: "grpc", binary: false });

const CONNECT_JSON_TYPES = new Set([
  "application/json",
  "application/json;charset=utf-8",
  "application/json; charset=utf-8",
]);

/**
 * The fast route of a request to `plan`'s method (absent: a stream, or the fast path is off), or
 * `undefined` when the Connect-ES router serves it. `query` is a Connect GET's.
 */
export function fastRouteOf(
  plan: UnaryPlan | undefined,
  kind: TransportKind,
  method: string,
  contentType: string | null,
  query: URLSearchParams | undefined,
): FastRoute | undefined {
  if (plan === undefined) return undefined;
  if (method === "GET") {
    if (!plan.allowGet || query === undefined) return undefined;
    const encoding = query.get("encoding");
    if (encoding === "proto") return CONNECT_PROTO;
    return encoding === "json" ? CONNECT_JSON : undefined;
  }
  if (method !== "POST" || contentType === null) return undefined;
  switch (kind) {
    case "connect":
      if (contentType === "application/proto") return CONNECT_PROTO;
      return CONNECT_JSON_TYPES.has(contentType.toLowerCase()) ? CONNECT_JSON : undefined;
    case "grpc-web":
      if (contentType === "application/grpc-web+proto") return WEB_PROTO;
      if (contentType === "application/grpc-web") return WEB_PROTO;
      return contentType === "application/grpc-web+json" ? WEB_JSON : undefined;
    case "grpc":
      if (contentType === "application/grpc" || contentType === "application/grpc+proto") {
        return GRPC_PROTO;
      }
      return contentType === "application/grpc+json" ? GRPC_JSON : undefined;
    default:
      return undefined;
  }
}

/** Serves a call on its fast route; the server writes the reply. */
export function serveFast(plan: UnaryPlan, route: FastRoute, call: UnaryCall): Promise<UnaryReply> {
  switch (route.protocol) {
    case "connect":
      return serveConnectUnary(plan, call, route.binary);
    case "grpc-web":
      return serveGrpcWebUnary(plan, call, route.binary);
    case "grpc":
      return serveGrpcUnary(plan, call, route.binary);
  }
}
