// gRPC unary on the fast path, on node:http2's stream API (not the compat request/response,
// which costs more per call): read the body, run the call, respond with headers, one message
// and trailers.
import type * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { compressionNegotiate } from "@connectrpc/connect/protocol";
import { grpcStatusOk, parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { concatBytes } from "../../internal/bytes.ts";
import type { CompressionCodec } from "../compression.ts";
import type { MutableTransportInfo } from "../info.ts";
import type { ContextValues } from "../../internal/contract.ts";
import { asConnectError, runUnary } from "./call.ts";
import { envelope, readSingleEnvelope } from "./envelope.ts";
import { envelopeOverflow } from "./body.ts";
import { toObject } from "../grpc/headers.ts";
import { maybeWritten, TrackedHeaders } from "./headers.ts";
import type { UnaryPlan } from "./plan.ts";

const PROTO = "application/grpc+proto";
const JSON_TYPE = "application/grpc+json";

/** Per-call inputs the gRPC server supplies. */
export interface GrpcCall {
  /** The HTTP/2 stream. */
  readonly stream: http2.ServerHttp2Stream;
  /** Request headers as Fetch `Headers`. */
  readonly header: Headers;
  /** Full request URL. */
  readonly url: string;
  /** The call's context values. */
  readonly values: ContextValues;
  /** Its transport info. */
  readonly info: MutableTransportInfo;
}

/** Whether the fast path serves a request with this content type (else Connect-ES does). */
export function grpcBinaryFormat(contentType: string | null): boolean | undefined {
  if (contentType === "application/grpc" || contentType === PROTO) return true;
  if (contentType === JSON_TYPE) return false;
  return undefined;
}

/** Serves a gRPC unary call on `call.stream`; resolves when the response is written. */
export async function serveGrpcUnary(
  plan: UnaryPlan,
  call: GrpcCall,
  binary: boolean,
): Promise<void> {
  const opts = plan.options;
  const { header, stream } = call;
  // The server created the reply headers with the content type (see replyHeaderOf).
  const responseHeader = call.info.replyHeader;
  const responseTrailer = new TrackedHeaders({ "grpc-status": grpcStatusOk });
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
    const timeout = parseTimeout(header.get("grpc-timeout"), Number.MAX_SAFE_INTEGER);
    if (timeout.error) throw timeout.error;
    const body = await readStream(stream, opts.readMaxBytes + 5, opts.readMaxBytes);
    const read = readSingleEnvelope(body, opts.readMaxBytes, compression.request, 0);
    const bytes = read instanceof Uint8Array ? read : await read;
    const input = plan.serialization.getI(binary).parse(bytes);
    const result = await runUnary({
      plan,
      protocolName: "grpc",
      requestMethod: "POST",
      url: call.url,
      header,
      values: call.values,
      info: call.info,
      requestedTimeoutMs: timeout.timeoutMs,
      responseHeader,
      responseTrailer,
    }, input);
    outHeader = result.header;
    trailer = result.trailer;
    if (binary && compression.response === null) {
      data = plan.encodeEnveloped(result.message);
    } else {
      const out = plan.serialization.getO(binary).serialize(result.message as never);
      const enveloped = envelope(out, 0, compression.response, opts.compressMinBytes);
      data = enveloped instanceof Uint8Array ? enveloped : await enveloped;
    }
  } catch (e) {
    failed = true;
    setTrailerStatus(trailer, asConnectError(e));
  }
  await respond(stream, outHeader, data, !failed && !maybeWritten(trailer) ? OK_TRAILER : trailer);
}

// The trailers of a successful call that set none, as node:http2 takes them.
const OK_TRAILER = { "grpc-status": "0" };

/** Reply headers of a fast-path gRPC call, holding the response content type. */
export function replyHeaderOf(binary: boolean): Headers {
  return new TrackedHeaders({ "content-type": binary ? PROTO : JSON_TYPE });
}

// Untouched reply headers as node:http2 takes them: no Headers iteration per call.
const OK_HEAD_PROTO = { ":status": "200", "content-type": PROTO };
const OK_HEAD_JSON = { ":status": "200", "content-type": JSON_TYPE };

/** Writes headers, an optional body and trailers; settles when the stream is done. */
export function respond(
  stream: http2.ServerHttp2Stream,
  header: Headers,
  data: Uint8Array | undefined,
  trailer: Headers | Record<string, string>,
): Promise<void> {
  if (stream.destroyed || stream.closed) return Promise.resolve();
  const trailers = trailer instanceof Headers ? toObject(trailer) : { ...trailer };
  return new Promise<void>((resolve) => {
    stream.once("close", resolve);
    stream.once("wantTrailers", () => stream.sendTrailers(trailers));
    let head: Record<string, string | string[]>;
    if (header instanceof TrackedHeaders && !header.written) {
      // Copied: node:http2 may annotate the object it is given.
      head = { ...(header.get("content-type") === PROTO ? OK_HEAD_PROTO : OK_HEAD_JSON) };
    } else {
      head = toObject(header);
      head[":status"] = "200";
    }
    stream.respond(head, { waitForTrailers: true });
    if (data !== undefined) stream.end(data);
    else stream.end();
  });
}

function readStream(
  stream: http2.ServerHttp2Stream,
  limit: number,
  readMaxBytes: number,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const onData = (chunk: Uint8Array) => {
      total += chunk.byteLength;
      chunks.push(chunk);
      if (total > limit) {
        cleanup();
        reject(envelopeOverflow(readMaxBytes)(concatBytes(chunks, total), undefined));
      }
    };
    const onEnd = () => {
      cleanup();
      resolve(concatBytes(chunks, total));
    };
    // A stream error is always followed by "close"; one listener covers both.
    const onClose = () => {
      cleanup();
      reject(new ConnectError("the client closed the stream", Code.Canceled));
    };
    const cleanup = () => {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("close", onClose);
    };
    stream.on("data", onData);
    stream.once("end", onEnd);
    stream.once("close", onClose);
    // HEADERS with END_STREAM: no body (Deno's node:http2 emits no "end" for it).
    if (stream.endAfterHeaders || stream.readableEnded) onEnd();
  });
}
