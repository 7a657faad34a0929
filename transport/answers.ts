// Protocol-correct answers for requests that never reach a handler: unknown RPCs, native gRPC
// on servers that cannot send trailers, draining servers, bad media types.
import { Code, ConnectError } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import type { TransportKind } from "./types.ts";

/** A gRPC Trailers-Only response: the status travels in the headers, the body is empty. */
export function grpcTrailersOnly(kind: "grpc" | "grpc-web", code: Code, message: string): Response {
  const headers = new Headers({
    "content-type": kind === "grpc" ? "application/grpc" : "application/grpc-web+proto",
  });
  setTrailerStatus(headers, new ConnectError(message, code));
  return new Response(null, { status: 200, headers });
}

/** A Connect unary error: JSON body `{code, message}` with the given HTTP status. */
export function connectError(status: number, code: Code, message: string): Response {
  return new Response(JSON.stringify({ code: codeToString(code), message }), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** Answers a call in the protocol it arrived in. */
export function rpcError(
  kind: TransportKind,
  httpStatus: number,
  code: Code,
  message: string,
): Response {
  if (kind === "grpc" || kind === "grpc-web") return grpcTrailersOnly(kind, code, message);
  return connectError(httpStatus, code, message);
}

/** Whether a request looks like an RPC (gRPC, gRPC-Web or Connect) rather than plain HTTP. */
export function looksLikeRpc(request: Request): boolean {
  const ct = request.headers.get("content-type")?.toLowerCase() ?? "";
  if (request.method === "POST") {
    return ct.startsWith("application/grpc") || ct.startsWith("application/connect+") ||
      ct.startsWith("application/proto") ||
      (ct.startsWith("application/json") && request.headers.has("connect-protocol-version"));
  }
  if (request.method === "GET") {
    const url = new URL(request.url);
    return url.searchParams.has("encoding") && url.searchParams.has("message");
  }
  return false;
}

/** The answer for a path that names no registered RPC. */
export function unknownRpc(kind: TransportKind, path: string): Response {
  return rpcError(kind, 404, Code.Unimplemented, `unknown RPC ${path}: no such service or method`);
}

/** The answer for native gRPC on a server whose runtime cannot send HTTP trailers. */
export function grpcNeedsTrailers(operation: string, runtime: string): Response {
  return grpcTrailersOnly(
    "grpc",
    Code.Unimplemented,
    `native gRPC is not served here (${runtime} cannot send HTTP trailers); call ${operation} ` +
      "over gRPC-Web or Connect, or on the gRPC server (node:http2)",
  );
}

/** Describes the media types an RPC route accepts, for 415 answers. */
export function unsupportedMediaType(contentType: string | null): Response {
  const message = `unsupported content-type ${JSON.stringify(contentType ?? "")}: want ` +
    "application/json or application/proto (Connect unary), application/connect+json|proto " +
    "(Connect streaming), application/grpc-web[+proto|+json] or application/grpc[+proto|+json]";
  return connectError(415, Code.Unknown, message);
}

/** The answer for a verb the route does not allow (e.g. GET on a method with side effects). */
export function methodNotAllowed(
  allowed: readonly string[],
  method: string,
  path: string,
): Response {
  const res = connectError(
    405,
    Code.Unknown,
    `method ${method} not allowed on ${path}; allowed: ${allowed.join(", ")}`,
  );
  res.headers.set("allow", allowed.join(", "));
  return res;
}
