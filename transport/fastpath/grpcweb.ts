// gRPC-Web unary on the fast path, for either server: one message envelope and one trailer
// envelope in the body, exactly as Connect-ES's gRPC-Web handler writes them.
import { compressionNegotiate, encodeEnvelope } from "@connectrpc/connect/protocol";
import {
  grpcStatusOk,
  setTrailerStatus,
  trailerFlag,
  trailerSerialize,
} from "@connectrpc/connect/protocol-grpc-web";
import type { CompressionCodec } from "../compression.ts";
import { asConnectError } from "../status.ts";
import { serializeWith } from "../adapter.ts";
import { runEnvelopedCall } from "./grpc.ts";
import type { UnaryCall } from "./connect.ts";
import { envelope, envelopeWith } from "./envelope.ts";
import { concatBytes } from "../../internal/bytes.ts";
import { addHeaders, headWith, maybeWritten, TrackedHeaders } from "./headers.ts";
import type { UnaryPlan } from "./plan.ts";
import type { UnaryReply } from "./reply.ts";

const PROTO = "application/grpc-web+proto";
const PROTO_HEAD = { "content-type": PROTO };
// The trailer envelope of a successful call that set no trailers, built once.
const OK_TRAILER = encodeEnvelope(
  trailerFlag,
  trailerSerialize(new Headers({ "grpc-status": grpcStatusOk })),
);

const JSON_TYPE = "application/grpc-web+json";
const JSON_HEAD = { "content-type": JSON_TYPE };

/** Serves a gRPC-Web unary call in binary (`+proto`) or JSON. */
export async function serveGrpcWebUnary(
  plan: UnaryPlan,
  call: UnaryCall,
  binary: boolean,
): Promise<UnaryReply> {
  const { request } = call;
  const opts = plan.options;
  const header = request.headers;
  // The content type is added when the response is built, so untouched reply headers cost a
  // one-entry object (see the Connect path).
  const responseHeader = call.info.replyHeader;
  const contentType = binary ? PROTO : JSON_TYPE;
  // Empty until written: grpc-status is added when the trailer is serialized.
  const responseTrailer = new TrackedHeaders();
  const compression = compressionNegotiate(
    opts.compression as CompressionCodec[],
    header.get("grpc-encoding"),
    header.get("grpc-accept-encoding"),
    "grpc-accept-encoding",
  );
  if (compression.response) responseHeader.set("grpc-encoding", compression.response.name);
  let trailer: Headers = responseTrailer;
  let out: Uint8Array | undefined;
  let body: Uint8Array | undefined;
  let outHeader = responseHeader;
  try {
    if (compression.error) throw compression.error;
    const result = await runEnvelopedCall(
      plan,
      call,
      "grpc-web",
      binary,
      compression.request,
      trailerFlag,
      { header: responseHeader, trailer: responseTrailer },
    );
    outHeader = result.header;
    trailer = result.trailer;
    if (compression.response === null && !maybeWritten(trailer)) {
      // The common case in one buffer: message envelope, then the prebuilt OK trailer.
      body = binary ? plan.encodeEnveloped(result.message, OK_TRAILER) : envelopeWith(
        serializeWith(plan.serialization.getO(false), result.message),
        0,
        OK_TRAILER,
      );
    } else {
      out = serializeWith(plan.serialization.getO(binary), result.message);
    }
  } catch (e) {
    body = undefined;
    out = undefined;
    setTrailerStatus(trailer, asConnectError(e));
  }
  body ??= await slowBody(out, trailer, compression.response, opts.compressMinBytes);
  if (outHeader instanceof TrackedHeaders && !outHeader.written) {
    return {
      status: 200,
      headers: headWith(
        binary ? PROTO_HEAD : JSON_HEAD,
        call.plainExtraHeaders ?? call.extraHeaders,
      ),
      body,
      encoded: false,
    };
  }
  if (!outHeader.has("content-type")) outHeader.set("content-type", contentType);
  addHeaders(outHeader, call.extraHeaders);
  return { status: 200, headers: outHeader, body, encoded: false };
}

// Compressed responses, trailers a handler wrote, and errors: each envelope built on its own.
async function slowBody(
  out: Uint8Array | undefined,
  trailer: Headers,
  compression: CompressionCodec | null,
  compressMinBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const parts: Uint8Array[] = [];
  if (out !== undefined) parts.push(await envelope(out, 0, compression, compressMinBytes));
  const small = compression === null || compressMinBytes > OK_TRAILER.byteLength;
  if (out !== undefined && small && !maybeWritten(trailer)) {
    parts.push(OK_TRAILER);
  } else {
    if (out !== undefined && !trailer.has("grpc-status")) trailer.set("grpc-status", grpcStatusOk);
    parts.push(
      await envelope(trailerSerialize(trailer), trailerFlag, compression, compressMinBytes),
    );
  }
  return concatBytes(parts) as Uint8Array<ArrayBuffer>;
}
