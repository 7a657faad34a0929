// Reading a request body at once, bounded: Content-Length is checked before reading, and a body
// without one is read chunk by chunk and cut off at the limit. A call arrives as a Fetch
// `Request` (the HTTP server) or on a node:http2 stream (the gRPC server); both read alike.
import type * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { concatBytes } from "../../internal/bytes.ts";

/** A request on a node:http2 stream, as the fast path reads it (no Fetch `Request` is built). */
export class StreamRequest {
  /** A request of `method` to `url` with `headers`, whose body `stream` carries. */
  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: Headers,
    readonly stream: http2.ServerHttp2Stream,
  ) {}
}

/** What the fast path reads a call from. */
export type UnaryRequest = Request | StreamRequest;

/** The whole body of either kind of request, at most `limit` bytes (see `readBody`). */
export function readAll(
  request: UnaryRequest,
  limit: number,
  overflow: OverflowError,
): Promise<Uint8Array> {
  return request instanceof StreamRequest
    ? readStream(request, limit, overflow)
    : readBody(request, limit, overflow);
}

/** Builds the error for a body over the limit, from the first bytes read and the size known. */
export type OverflowError = (head: Uint8Array, size: number | undefined) => ConnectError;

/** Connect unary's wording: the whole body is the message. */
export const messageOverflow: (limit: number) => OverflowError = (limit) => (_head, size) =>
  new ConnectError(
    size === undefined
      ? `message size is larger than configured readMaxBytes ${limit}`
      : `message size ${size} is larger than configured readMaxBytes ${limit}`,
    Code.ResourceExhausted,
  );

/** Enveloped protocols: report the first envelope's declared size, as Connect-ES does. */
export const envelopeOverflow: (readMaxBytes: number) => OverflowError =
  (readMaxBytes) => (head) => {
    if (head.byteLength >= 5) {
      const length = new DataView(head.buffer, head.byteOffset, 5).getUint32(1);
      if (length > readMaxBytes) {
        return new ConnectError(
          `message size ${length} is larger than configured readMaxBytes ${readMaxBytes}`,
          Code.ResourceExhausted,
        );
      }
    }
    return new ConnectError(
      "protocol error: received extra input message for unary method",
      Code.Unimplemented,
    );
  };

/** The whole body, at most `limit` bytes; beyond it, `overflow` names the problem. */
export async function readBody(
  request: Request,
  limit: number,
  overflow: OverflowError,
): Promise<Uint8Array> {
  const declared = declaredLength(request.headers);
  let size: number | undefined;
  if (declared !== undefined) {
    if (declared <= limit) return new Uint8Array(await request.arrayBuffer());
    size = declared;
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
    if (total > limit || size !== undefined && total >= 5) {
      await reader.cancel().catch(() => {});
      throw overflow(concatBytes(chunks, total), size);
    }
  }
  return concatBytes(chunks, total);
}

/** The Content-Length a request declares, when it is a valid one. */
export function declaredLength(headers: Headers): number | undefined {
  const declared = headers.get("content-length");
  if (declared === null) return undefined;
  const n = Number(declared);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

// The same rules on a node:http2 stream: the runtime does not hold a declared length to the
// bytes sent, so every body is counted as it arrives.
function readStream(
  request: StreamRequest,
  limit: number,
  overflow: OverflowError,
): Promise<Uint8Array> {
  const { stream } = request;
  const declared = declaredLength(request.headers);
  const size = declared !== undefined && declared > limit ? declared : undefined;
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const onData = (chunk: Uint8Array) => {
      total += chunk.byteLength;
      chunks.push(chunk);
      if (total > limit || size !== undefined && total >= 5) {
        cleanup();
        reject(overflow(concatBytes(chunks, total), size));
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
    // Plain listeners, not once(): cleanup removes all three, and once() wraps each.
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("close", onClose);
    // HEADERS with END_STREAM: no body (Deno's node:http2 emits no "end" for it).
    if (stream.endAfterHeaders || stream.readableEnded) onEnd();
  });
}
