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
import { envelopeOverflow, type OverflowError, readAll, type StreamRequest } from "./body.ts";
import { toObject } from "../grpc/headers.ts";
import { respondTrailersOnly } from "../grpc/stream.ts";
import { deferHeaders, DeferredHeaders, maybeWritten, TrackedHeaders } from "./headers.ts";
import type { UnaryPlan } from "./plan.ts";
import type { UnaryReply } from "./reply.ts";
import { detectRuntime } from "../../internal/runtime.ts";

const PROTO = "application/grpc+proto";
const JSON_TYPE = "application/grpc+json";

/** Serves a native gRPC unary call in binary (`+proto`) or JSON. */
// Not async, as runEnvelopedCall: a promise chain holds less per call than a suspended async
// function, and every object a call holds is copied by each scavenge it lives through.
export function serveGrpcUnary(
  plan: UnaryPlan,
  call: UnaryCall,
  binary: boolean,
): Promise<UnaryReply> {
  try {
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
    if (compression.error) {
      return Promise.resolve(failedReply(responseHeader, responseTrailer, compression.error));
    }
    return runEnvelopedCall(plan, call, "grpc", binary, compression.request, 0, {
      header: responseHeader,
      trailer: responseTrailer,
    }).then((result) => {
      const { header: outHeader, trailer } = result;
      let data: Uint8Array;
      try {
        if (binary && compression.response === null) {
          data = plan.encodeEnveloped(result.message);
        } else {
          const out = serializeWith(plan.serialization.getO(binary), result.message);
          const enveloped = envelope(out, 0, compression.response, opts.compressMinBytes);
          if (!(enveloped instanceof Uint8Array)) {
            return enveloped.then(
              (d) => grpcReply(outHeader, d, trailer, false),
              (e) => failedReply(outHeader, trailer, e),
            );
          }
          data = enveloped;
        }
      } catch (e) {
        return failedReply(outHeader, trailer, e);
      }
      return grpcReply(outHeader, data, trailer, false);
    }, (e) => failedReply(responseHeader, responseTrailer, e));
  } catch (e) {
    return Promise.reject(e);
  }
}

// The reply of a call that failed: its status in the trailers, no message.
function failedReply(outHeader: Headers, trailer: Headers, e: unknown): UnaryReply {
  setTrailerStatus(trailer, asConnectError(e));
  return grpcReply(outHeader, undefined, trailer, true);
}

function grpcReply(
  outHeader: Headers,
  data: Uint8Array | undefined,
  trailer: Headers,
  failed: boolean,
): UnaryReply {
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
const OK_TRAILER = Object.freeze({ "grpc-status": grpcStatusOk });

// Untouched reply headers as plain objects: no Headers iteration per call.
const OK_HEAD_PROTO = Object.freeze({ "content-type": PROTO });
const OK_HEAD_JSON = Object.freeze({ "content-type": JSON_TYPE });

/** Reply headers of a fast-path gRPC call, holding the response content type. */
export function replyHeaderOf(binary: boolean): Headers {
  const head = binary ? OK_HEAD_PROTO : OK_HEAD_JSON;
  return deferHeaders ? new DeferredHeaders(head) : new TrackedHeaders(head);
}

const WAIT_FOR_TRAILERS = Object.freeze({ waitForTrailers: true });
const END_STREAM = Object.freeze({ endStream: true });
const NO_END_STREAM = Object.freeze({ endStream: false });

// Node's respond() and sendTrailers() copy the header object they are given (into a
// null-prototype object, before validating it), so a shared, frozen object can be handed to
// them as it is. Deno's and Bun's node:http2 are not held to that: they get a copy.
const SHARED_HEADS = detectRuntime() === "node";

// A preset reply header object with ":status" 200, built once per preset (frozen).
const withOk = new WeakMap<object, Readonly<Record<string, string>>>();
function okHead(preset: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  let head = withOk.get(preset);
  if (head === undefined) withOk.set(preset, head = Object.freeze({ ...preset, ":status": "200" }));
  return head;
}

// The "wantTrailers" listener of a call that ends with OK_TRAILER, shared by every stream.
function sendOkTrailer(this: http2.ServerHttp2Stream): void {
  this.sendTrailers(OK_TRAILER);
}

/**
 * Writes a reply to a node:http2 stream: headers, the body, then trailers when it has them (in
 * the headers, Trailers-Only, when it has no body and no metadata in its headers); settles when the stream is done.
 */
export function writeReply(
  stream: http2.ServerHttp2Stream,
  reply: UnaryReply,
  request?: StreamRequest,
): Promise<void> {
  if (stream.destroyed || stream.closed) return Promise.resolve();
  const rh = reply.headers;
  let head: Record<string, string | string[]>;
  if (rh instanceof Headers) {
    head = toObject(rh);
    head[":status"] = String(reply.status);
  } else if (SHARED_HEADS && reply.status === 200) {
    head = okHead(rh) as Record<string, string>;
  } else {
    // Copied: this runtime's node:http2 may annotate the objects it is given.
    head = { ...rh };
    head[":status"] = String(reply.status);
  }
  const t = reply.trailers;
  const trailers = t === undefined
    ? undefined
    : t instanceof Headers
    ? toObject(t)
    : SHARED_HEADS
    ? t as Record<string, string>
    : { ...t };
  const body = reply.body;
  const empty = body === undefined || body.length === 0;
  return new Promise<void>((resolve) => {
    // The request's close hook when the server gave one (its one "close" listener), else a
    // plain listener, not once(): each event comes once per stream, and once() wraps each.
    if (request === undefined) stream.on("close", resolve);
    else {
      const prior = request.onClose; // a body still being read, should there be one
      request.onClose = prior === undefined ? resolve : () => {
        prior();
        resolve();
      };
    }
    if (trailers !== undefined && empty && respondTrailersOnly(stream, head, trailers)) return;
    if (trailers !== undefined) {
      stream.on(
        "wantTrailers",
        trailers === OK_TRAILER ? sendOkTrailer : () => stream.sendTrailers(trailers),
      );
      stream.respond(head, WAIT_FOR_TRAILERS);
    } else {
      stream.respond(head, empty ? END_STREAM : NO_END_STREAM);
      if (empty) return;
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
export function runEnvelopedCall(
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
  if (timeout.error) return Promise.reject(timeout.error);
  // Not async: a promise chain holds less per call than a suspended async function.
  const run = (bytes: Uint8Array) =>
    runCall(
      plan,
      call,
      protocolName,
      timeout.timeoutMs,
      reply.header,
      reply.trailer,
      plan.serialization.getI(binary).parse(bytes),
    );
  return readAll(request, limit + 5, overflowOf(limit)).then((body) => {
    const read = readSingleEnvelope(body, limit, compression, trailerFlag);
    return read instanceof Uint8Array ? run(read) : read.then(run);
  });
}

// The overflow error of the last limit asked for: one server's calls all ask for the same.
let lastOverflow: { limit: number; error: OverflowError } | undefined;
function overflowOf(limit: number): OverflowError {
  if (lastOverflow?.limit !== limit) lastOverflow = { limit, error: envelopeOverflow(limit) };
  return lastOverflow.error;
}
