// Connect unary calls over fetch, the way connect-web sends them: one fetch with the message as
// its body and the reply read with arrayBuffer(). Headers, compression, size limits, response
// validation and errors are Connect-ES's own protocol-connect functions, in the order its
// `createTransport` applies them; what is left out is its universal plumbing around one
// request — a second linked signal aborted on success (which builds a DOMException), the body
// as an async iterable in both directions, the serializers built again for every call. GET
// requests, a timeout given to the transport and interceptors still go through Connect-ES's
// transport (`fallback`).
import {
  create,
  type DescMessage,
  type DescMethodUnary,
  isMessage,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import {
  appendHeaders,
  Code,
  ConnectError,
  type ContextValues,
  type Transport,
  type UnaryResponse,
} from "@connectrpc/connect";
import {
  type CommonTransportOptions,
  getAbortSignalReason,
  readAllBytes,
} from "@connectrpc/connect/protocol";
import {
  errorFromJsonBytes,
  requestHeaderWithCompression,
  trailerDemux,
  validateResponseWithCompression,
} from "@connectrpc/connect/protocol-connect";
import { callTimeoutMs, methodPartsOf } from "./unary_method.ts";
import { acceptFetchDecodes, decodedHeaders, responseBody, send } from "./fetch.ts";

/**
 * The unary method of a Connect transport to `options.baseUrl` over `fetch` (already guarded,
 * see guardFetch); `fallback` serves what this path leaves to Connect-ES.
 */
export function connectUnaryOverFetch(
  fetch: typeof globalThis.fetch,
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
    if (
      timeout !== undefined || options.interceptors.length > 0 ||
      (options.useHttpGet === true &&
        method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS)
    ) {
      return await fallback(method, signal, timeoutMs, header, message, contextValues);
    }
    const { serialization, url } = partsOf(method);
    let res: Response | undefined;
    try {
      const input = isMessage(message, method.input) ? message : create(method.input, message);
      const reqHeader = requestHeaderWithCompression(
        method.methodKind,
        binary,
        undefined,
        header,
        options.acceptCompression,
        options.sendCompression,
        true,
      );
      let body = serialization.getI(binary).serialize(input);
      if (options.sendCompression !== null && body.byteLength > options.compressMinBytes) {
        body = await options.sendCompression.compress(body);
        reqHeader.set("content-encoding", options.sendCompression.name);
      } else {
        reqHeader.delete("content-encoding");
      }
      acceptFetchDecodes(reqHeader);
      const init: RequestInit = {
        method: "POST",
        headers: reqHeader,
        signal,
        // Connect-ES's transports never follow redirects; guardFetch turns one into an error.
        redirect: "error",
        body: body as Uint8Array<ArrayBuffer>,
      };
      res = await send(fetch, url, init, signal, () => undefined);
      const resHeader = decodedHeaders(res.headers);
      const { compression, isUnaryError, unaryError } = validateResponseWithCompression(
        method.methodKind,
        options.acceptCompression,
        binary,
        res.status,
        resHeader,
      );
      const [demuxedHeader, demuxedTrailer] = trailerDemux(resHeader);
      let bytes = await readBody(res, options.readMaxBytes, resHeader, signal);
      res = undefined;
      if (compression) bytes = await compression.decompress(bytes, options.readMaxBytes);
      if (isUnaryError) {
        throw errorFromJsonBytes(bytes, appendHeaders(demuxedHeader, demuxedTrailer), unaryError);
      }
      return {
        stream: false,
        service: method.parent,
        method,
        header: demuxedHeader,
        message: serialization.getO(binary).parse(bytes) as MessageShape<O>,
        trailer: demuxedTrailer,
      };
    } catch (error) {
      // What was not read is not wanted; as Connect-ES's runUnaryCall words the failure.
      res?.body?.cancel().catch(() => {});
      throw signal?.aborted
        ? ConnectError.from(getAbortSignalReason(signal), Code.Canceled)
        : ConnectError.from(error);
    }
  };
}

/**
 * The whole body, held to `readMaxBytes` as Connect-ES's readAllBytes holds it: a promised
 * length over the limit is refused before reading, and one that does not match what came is a
 * protocol error; without a length the body is read chunk by chunk and refused once it
 * outgrows the limit.
 */
async function readBody(
  res: Response,
  readMaxBytes: number,
  header: Headers,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  const length = header.get("content-length");
  const hint = length === null ? NaN : parseInt(length, 10);
  if (!Number.isSafeInteger(hint) || hint < 0 || hint > readMaxBytes) {
    return await readAllBytes(responseBody(res.body, signal), readMaxBytes, length);
  }
  const bytes = new Uint8Array(await untilAborted(res.arrayBuffer(), signal));
  if (bytes.byteLength !== hint) {
    throw new ConnectError(
      `protocol error: promised ${hint} bytes, received ${bytes.byteLength}`,
      Code.InvalidArgument,
    );
  }
  return bytes;
}

// Some fetch implementations let a body read run on after the request was aborted; the call
// must end at its deadline all the same.
function untilAborted<T>(read: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return read;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    read.then((value) => {
      signal.removeEventListener("abort", onAbort);
      resolve(value);
    }, (error) => {
      signal.removeEventListener("abort", onAbort);
      reject(error);
    });
  });
}
