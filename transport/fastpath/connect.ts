// Connect unary (POST with application/json or application/proto, and GET) on the fast path,
// for either server: the request is read from a Fetch `Request` or a node:http2 stream, the
// answer is a reply the server writes. Which requests come here is decided in select.ts.
import { fromJsonString } from "@bufbuild/protobuf";
import { base64Decode } from "@bufbuild/protobuf/wire";
import { Code, ConnectError } from "@connectrpc/connect";
import { compressionNegotiate, mergeNonProtocolHeaders } from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  errorToJsonBytes,
  parseTimeout,
  trailerMux,
} from "@connectrpc/connect/protocol-connect";
import type { CompressionCodec } from "../compression.ts";
import type { MutableTransportInfo } from "../info.ts";
import type { ContextValues, ProtoMessage } from "../../internal/contract.ts";
import { asConnectError } from "../status.ts";
import { jsonStringOf } from "../adapter.ts";
import {
  declaredLength,
  messageOverflow,
  readAll,
  StreamRequest,
  type UnaryRequest,
} from "./body.ts";
import { runCall } from "./call.ts";
import type { ClientGone } from "./gone.ts";
import {
  addHeaders,
  type ExtraHeaders,
  headWith,
  maybeWritten,
  TrackedHeaders,
} from "./headers.ts";
import type { UnaryPlan } from "./plan.ts";
import type { UnaryReply } from "./reply.ts";

const PROTO_TYPE = "application/proto";
const JSON_TYPE = "application/json";
const encoder = new TextEncoder();
const JSON_HEAD = { "content-type": JSON_TYPE };
const PROTO_HEAD = { "content-type": PROTO_TYPE };
const decoder = new TextDecoder();

/** Per-call inputs a server supplies to the fast path. */
export interface UnaryCall {
  /** The request. */
  readonly request: UnaryRequest;
  /** The call's context values. */
  readonly values: ContextValues;
  /** Its transport info; its `replyHeader` becomes the response's headers. */
  readonly info: MutableTransportInfo;
  /** The query of a GET. */
  readonly query?: URLSearchParams;
  /** Headers every answer carries (CORS), shared and never mutated. */
  readonly extraHeaders?: ExtraHeaders;
  /** The ones an untouched successful reply carries (default `extraHeaders`). */
  readonly plainExtraHeaders?: ExtraHeaders;
  /** How the server learns that the client went away. */
  readonly gone?: ClientGone;
}

/** Serves a Connect unary call in binary (`application/proto`) or JSON. */
export async function serveConnectUnary(
  plan: UnaryPlan,
  call: UnaryCall,
  binary: boolean,
): Promise<UnaryReply> {
  const { request, query } = call;
  const opts = plan.options;
  const header = request.headers;
  // The content type is added when the response is built: untouched reply headers then cost a
  // one-entry object instead of a Headers round trip (see replyHeaders in the HTTP server).
  const responseHeader = call.info.replyHeader;
  const contentType = binary ? PROTO_TYPE : JSON_TYPE;
  const requested = query ? query.get("compression") : header.get("content-encoding");
  // Without a request encoding the reply's depends on accept-encoding alone, and only for a body
  // large enough to compress: it is negotiated then (below), sparing most calls a header read,
  // which on Deno is a call into Rust.
  const compression = requested === null || requested === "identity"
    ? undefined
    : negotiate(opts.compression as CompressionCodec[], requested, header);
  let status = 200;
  let body: Uint8Array | string;
  let outHeader = responseHeader;
  // Made here, not in runUnary, so the trailers a handler set before failing reach the error
  // response too.
  const responseTrailer = new TrackedHeaders();
  let outTrailer: Headers = responseTrailer;
  try {
    if (compression?.error) throw compression.error;
    const timeout = parseTimeout(header.get("connect-timeout-ms"), Number.MAX_SAFE_INTEGER);
    if (timeout.error) throw timeout.error;
    const codec = compression?.request ?? null;
    // The common JSON POST is read and parsed here: one async step fewer per call.
    const input =
      query === undefined && !binary && !codec && small(request, plan.options.readMaxBytes)
        ? parseText(plan, await (request as Request).text())
        : await readInput(plan, request, binary, query, codec);
    const result = await runCall(
      plan,
      call,
      "connect",
      timeout.timeoutMs,
      responseHeader,
      responseTrailer,
      input,
    );
    outHeader = result.header;
    outTrailer = result.trailer;
    body = binary ? plan.encodeReply(result.message) : writeJson(plan, result.message);
  } catch (e) {
    const error = asConnectError(e);
    status = codeToHttpStatus(error.code);
    outHeader.set("content-type", JSON_TYPE);
    if (!error.isWireError) mergeNonProtocolHeaders(outHeader, error.metadata);
    body = errorToJsonBytes(error, {});
  }
  const respondCompression = compression !== undefined
    ? compression.response
    : opts.compression.length > 0 && mayCompress(body, opts.compressMinBytes)
    ? negotiate(opts.compression as CompressionCodec[], requested, header).response
    : null;
  let compressed = false;
  if (respondCompression) {
    // Encoded once: the size test and the compressor read the same bytes.
    const bytes = typeof body === "string" ? encoder.encode(body) : body;
    if (bytes.byteLength >= opts.compressMinBytes) {
      body = await respondCompression.compress(bytes);
      outHeader.set("content-encoding", respondCompression.name);
      compressed = true;
    }
  }
  if (status === 200) {
    const untouched = outHeader instanceof TrackedHeaders && !outHeader.written &&
      !maybeWritten(outTrailer);
    if (untouched) {
      return {
        status,
        headers: headWith(
          contentType === JSON_TYPE ? JSON_HEAD : PROTO_HEAD,
          call.plainExtraHeaders ?? call.extraHeaders,
        ),
        body,
        encoded: false,
      };
    }
    if (!outHeader.has("content-type")) outHeader.set("content-type", contentType);
  }
  const headers = !maybeWritten(outTrailer) ? outHeader : trailerMux(outHeader, outTrailer);
  addHeaders(headers, call.extraHeaders);
  // A string body lets the runtime take its fast path (and set Content-Length itself).
  return { status, headers, body, encoded: compressed };
}

function negotiate(codecs: CompressionCodec[], requested: string | null, header: Headers) {
  return compressionNegotiate(codecs, requested, header.get("accept-encoding"), "accept-encoding");
}

// Whether a body may reach `min` bytes: a string's UTF-8 takes at most 3 bytes per UTF-16 unit.
function mayCompress(body: Uint8Array | string, min: number): boolean {
  return (typeof body === "string" ? body.length * 3 : body.byteLength) >= min;
}

async function readInput(
  plan: UnaryPlan,
  request: UnaryRequest,
  binary: boolean,
  query: URLSearchParams | undefined,
  compression: CompressionCodec | null,
): Promise<ProtoMessage> {
  const limit = plan.options.readMaxBytes;
  let bytes: Uint8Array | undefined;
  let text: string | undefined;
  if (query) {
    const message = query.get("message") ?? "";
    if (query.get("base64") === "1") bytes = base64Decode(message);
    else if (compression || binary) bytes = encoder.encode(message);
    else text = message;
  } else {
    // A small plain JSON body was read as text by the caller.
    bytes = await readAll(request, limit, messageOverflow(limit));
  }
  if (bytes !== undefined && compression) bytes = await compression.decompress(bytes, limit);
  if (binary) return plan.serialization.getI(true).parse(bytes!) as ProtoMessage;
  if (text === undefined) {
    if (bytes!.byteLength > limit) {
      throw new ConnectError(
        `message size ${bytes!.byteLength} is larger than configured readMaxBytes ${limit}`,
        Code.ResourceExhausted,
      );
    }
    return parseJson(plan, decoder.decode(bytes));
  }
  return parseText(plan, text);
}

// A JSON message read as text: its size in UTF-8 is only measured when it could be over.
function parseText(plan: UnaryPlan, text: string): ProtoMessage {
  const limit = plan.options.readMaxBytes;
  if (text.length > limit && encoder.encode(text).byteLength > limit) {
    throw new ConnectError(
      `message size ${
        encoder.encode(text).byteLength
      } is larger than configured readMaxBytes ${limit}`,
      Code.ResourceExhausted,
    );
  }
  return parseJson(plan, text);
}

function parseJson(plan: UnaryPlan, text: string): ProtoMessage {
  try {
    return plan.readJson?.(text) ??
      fromJsonString(plan.method.input, text, plan.options.jsonRead) as ProtoMessage;
  } catch (e) {
    throw ConnectError.from(e, Code.InvalidArgument);
  }
}

// A whole-body read is safe for a request that declares a length within the limit (a stream
// request's body is read in chunks under the limit instead).
function small(request: UnaryRequest, limit: number): boolean {
  if (request instanceof StreamRequest) return false;
  const declared = declaredLength(request.headers);
  return declared !== undefined && declared <= limit;
}

function writeJson(plan: UnaryPlan, message: ProtoMessage): string {
  let json: string;
  try {
    json = plan.writeJson?.(message) ??
      jsonStringOf(plan.method.output, message, plan.options.jsonWrite);
  } catch (e) {
    throw ConnectError.from(e, Code.Internal);
  }
  const max = plan.options.writeMaxBytes;
  // A UTF-8 string takes at most 3 bytes per UTF-16 unit: measure only near the limit.
  if (json.length * 3 > max) {
    const size = encoder.encode(json).byteLength;
    if (size > max) {
      throw new ConnectError(
        `message size ${size} is larger than configured writeMaxBytes ${max}`,
        Code.ResourceExhausted,
      );
    }
  }
  return json;
}
