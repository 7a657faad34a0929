// Native gRPC unary on the fast path, read from node:http2's stream API (not the compat
// request/response, which costs more per call): read the body, run the call, answer headers, one
// message and trailers, which the gRPC server writes (writeReply).
import type * as http2 from "node:http2";
import { type Compression, compressionNegotiate } from "@connectrpc/connect/protocol";
import { grpcStatusOk, parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import type { CompressionCodec } from "../compression.ts";
import { asConnectError } from "../status.ts";
import { serializeWith } from "../adapter.ts";
import { runCall, type UnaryResult } from "./call.ts";
import type { UnaryCall } from "./connect.ts";
import { envelope, readSingleEnvelope } from "./envelope.ts";
import { envelopeOverflow, readAll } from "./body.ts";
import { toObject } from "../grpc/headers.ts";
import { respondTrailersOnly } from "../grpc/stream.ts";
import { deferHeaders, DeferredHeaders, maybeWritten, TrackedHeaders } from "./headers.ts";
import type { UnaryPlan } from "./plan.ts";
import type { UnaryReply } from "./reply.ts";

const PROTO = "application/grpc+proto";
const JSON_TYPE = "application/grpc+json";

/** Serves a native gRPC unary call in binary (`+proto`) or JSON. */
export async function serveGrpcUnary(
  plan: UnaryPlan,
  call: UnaryCall,
  binary: boolean,
): Promise<UnaryReply> {
  const opts = plan.options;
  const { request } = call;
  const header = request.headers;
  // The server created the reply headers with the content type (see replyHeaderOf).
  const responseHeader = call.info.replyHeader;
  const responseTrailer = deferHeaders
    ? new DeferredHeaders(OK_TRAILER)
    : new TrackedHeaders(OK_TRAILER);
  const compression = compressionNegotiate(
    opts.compression as CompressionCodec[],
    header.get("grpc-encoding"),
    header.get("grpc-accept-encoding"),
    "grpc-accept-encoding",
  );
  if (compression.response) responseHeader.set("grpc-encoding", compression.response.name);
  let outHeader = responseHeader;
  let trailer: Headers = responseTrailer;
  let data: Uint8Array | undefined;
  let failed = false;
  try {
    if (compression.error) throw compression.error;
    const result = await runEnvelopedCall(plan, call, "grpc", binary, compression.request, 0, {
      header: responseHeader,
      trailer: responseTrailer,
    });
    outHeader = result.header;
    trailer = result.trailer;
    if (binary && compression.response === null) {
      data = plan.encodeEnveloped(result.message);
    } else {
      const out = serializeWith(plan.serialization.getO(binary), result.message);
      const enveloped = envelope(out, 0, compression.response, opts.compressMinBytes);
      data = enveloped instanceof Uint8Array ? enveloped : await enveloped;
    }
  } catch (e) {
    failed = true;
    setTrailerStatus(trailer, asConnectError(e));
  }
  return {
    status: 200,
    headers: outHeader instanceof TrackedHeaders && !outHeader.written
      ? (outHeader.get("content-type") === PROTO ? OK_HEAD_PROTO : OK_HEAD_JSON)
      : outHeader,
    body: data,
    encoded: false,
    trailers: !failed && !maybeWritten(trailer) ? OK_TRAILER : trailer,
  };
}

// The trailers of a successful call that set none.
const OK_TRAILER = { "grpc-status": grpcStatusOk };

// Untouched reply headers as plain objects: no Headers iteration per call.
const OK_HEAD_PROTO = { "content-type": PROTO };
const OK_HEAD_JSON = { "content-type": JSON_TYPE };

/** Reply headers of a fast-path gRPC call, holding the response content type. */
export function replyHeaderOf(binary: boolean): Headers {
  const head = binary ? OK_HEAD_PROTO : OK_HEAD_JSON;
  return deferHeaders ? new DeferredHeaders(head) : new TrackedHeaders(head);
}

const WAIT_FOR_TRAILERS = Object.freeze({ waitForTrailers: true });

/**
 * Writes a reply to a node:http2 stream: headers, the body, then trailers when it has them (in
 * the headers, Trailers-Only, when it has no body and no metadata in its headers); settles when the stream is done.
 */
export function writeReply(stream: http2.ServerHttp2Stream, reply: UnaryReply): Promise<void> {
  if (stream.destroyed || stream.closed) return Promise.resolve();
  // Copied: node:http2 may annotate the objects it is given.
  const head: Record<string, string | string[]> = reply.headers instanceof Headers
    ? toObject(reply.headers)
    : { ...reply.headers };
  head[":status"] = String(reply.status);
  const t = reply.trailers;
  const trailers = t === undefined ? undefined : t instanceof Headers ? toObject(t) : { ...t };
  const body = reply.body;
  return new Promise<void>((resolve) => {
    // Plain listeners, not once(): each event comes once per stream, and once() wraps each.
    stream.on("close", resolve);
    if (
      trailers !== undefined && (body === undefined || body.length === 0) &&
      respondTrailersOnly(stream, head, trailers)
    ) return;
    if (trailers !== undefined) {
      stream.on("wantTrailers", () => stream.sendTrailers(trailers));
      stream.respond(head, WAIT_FOR_TRAILERS);
    } else {
      stream.respond(head, { endStream: body === undefined || body.length === 0 });
      if (body === undefined || body.length === 0) return;
    }
    if (body !== undefined) stream.end(body);
    else stream.end();
  });
}

/**
 * Reads a gRPC or gRPC-Web unary request (its `grpc-timeout`, then its one enveloped message,
 * `trailerFlag` being the flag a message must not carry) and runs the call with `reply`'s
 * headers and trailers.
 */
export async function runEnvelopedCall(
  plan: UnaryPlan,
  call: UnaryCall,
  protocolName: "grpc" | "grpc-web",
  binary: boolean,
  compression: Compression | null,
  trailerFlag: number,
  reply: { readonly header: Headers; readonly trailer: Headers },
): Promise<UnaryResult> {
  const { request } = call;
  const limit = plan.options.readMaxBytes;
  const timeout = parseTimeout(request.headers.get("grpc-timeout"), Number.MAX_SAFE_INTEGER);
  if (timeout.error) throw timeout.error;
  const body = await readAll(request, limit + 5, envelopeOverflow(limit));
  const read = readSingleEnvelope(body, limit, compression, trailerFlag);
  const bytes = read instanceof Uint8Array ? read : await read;
  const input = plan.serialization.getI(binary).parse(bytes);
  return runCall(
    plan,
    call,
    protocolName,
    timeout.timeoutMs,
    reply.header,
    reply.trailer,
    input,
  );
}
