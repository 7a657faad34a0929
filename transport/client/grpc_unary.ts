// gRPC unary calls over connect-node's HTTP client, without Connect-ES's universal plumbing
// around one request: its transport runs the request through four async generators
// (serialize, compress, join, then connect-node's sink) and the reply through four more
// (split, decompress, parse, collect), and links a second abort signal that it aborts on
// success (which builds a DOMException). Here one loop reads the reply; headers, compression,
// envelope limits, status and trailer validation, and errors are Connect-ES's own protocol-grpc
// and envelope functions, in the order its `createTransport` applies them. A timeout given to
// the transport and interceptors still go through Connect-ES's transport (`fallback`).
import {
  create,
  type DescMessage,
  type DescMethodUnary,
  isMessage,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues, type UnaryResponse } from "@connectrpc/connect";
import type { Transport } from "@connectrpc/connect";
import {
  type CommonTransportOptions,
  createAsyncIterable,
  encodeEnvelope,
  envelopeCompress,
  envelopeDecompress,
  getAbortSignalReason,
} from "@connectrpc/connect/protocol";
import {
  headerGrpcStatus,
  requestHeaderWithCompression,
  validateResponseWithCompression,
  validateTrailer,
} from "@connectrpc/connect/protocol-grpc";
import { callTimeoutMs, methodPartsOf } from "./unary_method.ts";

/**
 * The unary method of a gRPC transport to `options.baseUrl` over `options.httpClient`;
 * `fallback` serves what this path leaves to Connect-ES.
 */
export function grpcUnary(
  options: CommonTransportOptions,
  fallback: Transport["unary"],
): Transport["unary"] {
  const binary = options.useBinaryFormat;
  const partsOf = methodPartsOf(options);
  return async function unary<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    header: HeadersInit | undefined,
    message: MessageInitShape<I>,
    contextValues?: ContextValues,
  ): Promise<UnaryResponse<I, O>> {
    const timeout = callTimeoutMs(timeoutMs, options.defaultTimeoutMs);
    if (timeout !== undefined || options.interceptors.length > 0) {
      return await fallback(method, signal, timeoutMs, header, message, contextValues);
    }
    const { serialization, url } = partsOf(method);
    // The HTTP client's own signal, so a failed call can reset its stream (Connect-ES aborts
    // its linked signal for that); it follows the caller's, and is let go on success.
    const controller = new AbortController();
    const onAbort = () => controller.abort(getAbortSignalReason(signal!));
    if (signal !== undefined) {
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort);
    }
    try {
      const input = isMessage(message, method.input) ? message : create(method.input, message);
      const request = await envelopeCompress(
        { flags: 0, data: serialization.getI(binary).serialize(input) },
        options.sendCompression,
        options.compressMinBytes,
      );
      const res = await options.httpClient({
        url,
        method: "POST",
        header: requestHeaderWithCompression(
          binary,
          undefined,
          header,
          options.acceptCompression,
          options.sendCompression,
        ),
        signal: controller.signal,
        body: createAsyncIterable([encodeEnvelope(request.flags, request.data)]),
      });
      const { compression, headerError } = validateResponseWithCompression(
        options.acceptCompression,
        res.status,
        res.header,
      );
      const parser = serialization.getO(binary);
      const split = new EnvelopeSplitter(options.readMaxBytes);
      let reply: MessageShape<O> | undefined;
      for await (const chunk of res.body) {
        for (let env = split.push(chunk); env !== undefined; env = split.next()) {
          const { data } = await envelopeDecompress(env, compression ?? null, options.readMaxBytes);
          const parsed = parser.parse(data) as MessageShape<O>;
          if (reply !== undefined) {
            throw new ConnectError(
              "protocol error: received extra output message for unary method",
              Code.Unimplemented,
            );
          }
          reply = parsed;
        }
      }
      split.end();
      validateTrailer(res.trailer, res.header);
      if (reply === undefined) {
        if (headerError) throw headerError;
        throw new ConnectError(
          "protocol error: missing output message for unary method",
          res.trailer.has(headerGrpcStatus) ? Code.Unimplemented : Code.Unknown,
        );
      }
      if (headerError) {
        throw new ConnectError(
          "protocol error: received output message for unary method with error status",
          Code.Unknown,
        );
      }
      return {
        stream: false,
        service: method.parent,
        method,
        header: res.header,
        message: reply,
        trailer: res.trailer,
      };
    } catch (reason) {
      // As Connect-ES's runUnaryCall words the failure; the abort resets the stream.
      const error = controller.signal.aborted
        ? ConnectError.from(getAbortSignalReason(controller.signal), Code.Canceled)
        : ConnectError.from(reason);
      controller.abort(error);
      throw error;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  };
}

/**
 * Envelopes out of a byte stream, as Connect-ES's envelope decoder cuts them: a declared length
 * over `readMaxBytes` is refused as soon as its header arrives, and bytes left at the end are
 * an incomplete envelope.
 */
class EnvelopeSplitter {
  readonly #readMaxBytes: number;
  #buf: Uint8Array = new Uint8Array(0);

  constructor(readMaxBytes: number) {
    this.#readMaxBytes = readMaxBytes;
  }

  /** Adds `chunk`; the first complete envelope, if one is. */
  push(chunk: Uint8Array): { flags: number; data: Uint8Array } | undefined {
    if (this.#buf.byteLength === 0) this.#buf = chunk;
    else {
      const joined = new Uint8Array(this.#buf.byteLength + chunk.byteLength);
      joined.set(this.#buf);
      joined.set(chunk, this.#buf.byteLength);
      this.#buf = joined;
    }
    return this.next();
  }

  /** The next complete envelope, if one is. */
  next(): { flags: number; data: Uint8Array } | undefined {
    const buf = this.#buf;
    if (buf.byteLength < 5) return undefined;
    const length = ((buf[1] << 24) | (buf[2] << 16) | (buf[3] << 8) | buf[4]) >>> 0;
    if (length > this.#readMaxBytes) {
      throw new ConnectError(
        `message size ${length} is larger than configured readMaxBytes ${this.#readMaxBytes}`,
        Code.ResourceExhausted,
      );
    }
    if (buf.byteLength < 5 + length) return undefined;
    const env = { flags: buf[0], data: buf.subarray(5, 5 + length) };
    this.#buf = buf.subarray(5 + length);
    return env;
  }

  /** Throws when bytes of an unfinished envelope are left. */
  end(): void {
    if (this.#buf.byteLength > 0) {
      throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
    }
  }
}
