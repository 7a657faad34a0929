// Protocol-correct answers for requests that never reach a handler: unknown RPCs, native gRPC
// on servers that cannot send trailers, draining servers, bad media types.
import { Code, ConnectError } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { kindOf } from "./info.ts";
import type { TransportKind } from "../internal/contract.ts";

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

const RPC_PATH = /^\/[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+\/[A-Za-z_]\w*$/;
const RPC_CONTENT_TYPE = /^application\/(grpc|grpc-web|connect\+|proto|json)/;

/**
 * Whether a request looks like an RPC (gRPC, gRPC-Web or Connect) rather than plain HTTP: a
 * `/pkg.Service/Method` path with an RPC content type, or a Connect GET.
 */
export function looksLikeRpc(request: Request): boolean {
  const url = new URL(request.url);
  if (!RPC_PATH.test(url.pathname)) return false;
  if (request.method === "POST") {
    return RPC_CONTENT_TYPE.test(request.headers.get("content-type")?.toLowerCase() ?? "");
  }
  return request.method === "GET" && url.searchParams.has("message");
}

/**
 * Checks a Connect GET query before Connect-ES sees it: Connect-ES answers an undecodable
 * `message` with a bare "internal error"; this names the problem and answers InvalidArgument.
 */
export function checkConnectGet(url: URL): Response | undefined {
  const q = url.searchParams;
  if (q.get("base64") !== "1") return undefined;
  const message = q.get("message") ?? "";
  if (/^[A-Za-z0-9+/_-]*={0,2}$/.test(message) && message.length % 4 !== 1) return undefined;
  return connectError(
    400,
    Code.InvalidArgument,
    'invalid base64 in the "message" query parameter of a Connect GET request',
  );
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

// A plain-text answer: for requests whose protocol is unknown (or not Connect), a JSON body would
// claim to be a Connect error, and gRPC clients never read the body of a non-200 answer.
function plainText(status: number, message: string, headers: Record<string, string> = {}) {
  return new Response(message, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

/**
 * Describes the media types an RPC route accepts, for 415 answers: plain text, since the
 * request's content type says nothing about which protocol it meant to speak.
 */
export function unsupportedMediaType(contentType: string | null): Response {
  const message = `unsupported content-type ${JSON.stringify(contentType ?? "")}: want ` +
    "application/json or application/proto (Connect unary), application/connect+json|proto " +
    "(Connect streaming), application/grpc-web[+proto|+json] or application/grpc[+proto|+json]";
  return plainText(415, message);
}

/**
 * The answer for a verb the route does not allow (e.g. GET on a method with side effects): a
 * Connect error for Connect requests, plain text for gRPC and gRPC-Web ones, whose clients map
 * the 405 status to Unknown without reading the body.
 */
export function methodNotAllowed(
  allowed: readonly string[],
  method: string,
  path: string,
  contentType: string | null,
): Response {
  const message = `method ${method} not allowed on ${path}; allowed: ${allowed.join(", ")}`;
  if (method !== "GET" && kindOf(contentType) !== "connect") {
    return plainText(405, message, { allow: allowed.join(", ") });
  }
  const res = connectError(405, Code.Unknown, message);
  res.headers.set("allow", allowed.join(", "));
  return res;
}
