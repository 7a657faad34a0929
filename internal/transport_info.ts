// What a server knows about the call it serves, in the request-scoped context like Kratos's
// transport.FromServerContext: servers set it, handlers and middleware read it. It lives here,
// not in transport/, because middleware reads it and must not import transport.
import { createContextKey } from "./context.ts";
import type { ContextKey, TransportKind } from "./contract.ts";

/** What a server knows about the call it is serving. */
export interface TransportInfo {
  /** How the call arrived. */
  readonly kind: TransportKind;
  /** The server's endpoint, e.g. `grpc://10.0.0.5:9000` (empty on Workers). */
  readonly endpoint: string;
  /** The operation, `/pkg.Service/Method` (for plain HTTP routes: the one they opt into). */
  readonly operation: string;
  /** Incoming headers. */
  readonly requestHeader: Headers;
  /** Headers to send with the reply; set them here from handlers or middleware. */
  readonly replyHeader: Headers;
  /** The HTTP request, where the server has one as a Fetch `Request`. */
  readonly request?: Request;
  /** Runtime bindings of the request: Workers `env`, or `{ incoming, outgoing }` on Node. */
  readonly env?: unknown;
  /** For REST calls, the `google.api.http` path template that matched (Kratos's PathTemplate). */
  readonly pathTemplate?: string;
}

/** Mutable reply-header slot: the server rebinds it to the real response headers once known. */
export interface MutableTransportInfo extends TransportInfo {
  /** Rebindable reply headers. */
  replyHeader: Headers;
}

/** Context key of the server-side transport info. */
export const serverTransportKey: ContextKey<MutableTransportInfo | undefined> = createContextKey<
  MutableTransportInfo | undefined
>(undefined, {
  description: "atreus server transport",
});

/** Classifies an RPC request by its content type (Connect GET has none). */
export function kindOf(contentType: string | null): TransportKind {
  if (contentType === null) return "connect";
  const ct = contentType.trimStart().toLowerCase();
  if (ct.startsWith("application/grpc-web")) return "grpc-web";
  if (ct.startsWith("application/grpc")) return "grpc";
  return "connect";
}
