// A fast-path answer before a server writes it: the HTTP server makes it a Fetch `Response`,
// the gRPC server writes it to its node:http2 stream, so the protocol code serves both.
import { encodedInit } from "./headers.ts";

/** Headers of a reply: a shared plain object for an untouched reply, else `Headers`. */
export type ReplyHeaders = Headers | Readonly<Record<string, string>>;

/** What a unary call answers: status, headers, body and (native gRPC) trailers. */
export interface UnaryReply {
  /** HTTP status. */
  readonly status: number;
  /** Response headers. */
  readonly headers: ReplyHeaders;
  /** The body: a string keeps the Fetch runtimes on their fast path. */
  readonly body: string | Uint8Array | undefined;
  /** Whether `body` is already compressed (its `content-encoding` set). */
  readonly encoded: boolean;
  /** HTTP trailers (native gRPC only). */
  readonly trailers?: ReplyHeaders;
}

/** The reply as a Fetch `Response`. */
export function toResponse(reply: UnaryReply): Response {
  const body = reply.body as string | Uint8Array<ArrayBuffer> | undefined;
  return new Response(
    body,
    reply.encoded
      ? encodedInit(reply.status, reply.headers)
      : { status: reply.status, headers: reply.headers },
  );
}
