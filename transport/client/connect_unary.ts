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
import { type CallAbort, callTimeoutMs, methodPartsOf, type NodeUnary } from "./unary_method.ts";
import { acceptFetchDecodes, decodedHeaders, neverSent, responseBody } from "./fetch.ts";
import { fetchFailure, isRedirectResponse, type RedirectMode, refuseRedirect } from "./failure.ts";

/** The Connect unary methods of a node's transport over fetch. */
export interface ConnectUnary {
  /** As Connect-ES's `Transport.unary`. */
  readonly unary: Transport["unary"];
  /** As the client calls a node (see NodeUnary). */
  readonly direct: NodeUnary;
}

/**
 * The unary methods of a Connect transport to `options.baseUrl` over `fetch` (the runtime's or
 * the user's, guarded here as guardFetch guards it, with `redirect` as guardFetch's `mode`);
 * `fallback` serves what this path leaves to Connect-ES.
 */
export function connectUnaryOverFetch(
  fetch: typeof globalThis.fetch,
  options: CommonTransportOptions,
  fallback: Transport["unary"],
  redirect: RedirectMode = "manual",
): ConnectUnary {
  const target = options.baseUrl;
  const binary = options.useBinaryFormat;
  const partsOf = methodPartsOf(options);
  const sendCompression = options.sendCompression;
  const get = (method: DescMethodUnary) =>
    options.useHttpGet === true &&
    method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS;
  // The request headers of a call without headers of its own, built by Connect-ES's function
  // once (they depend on the transport's options only) and handed to fetch as a record: fetch
  // copies a Headers object it is given into its own, validating every header again.
  let plain: Record<string, string> | undefined;
  const plainHeader = () => {
    if (plain === undefined) {
      const header = requestHeaderWithCompression(
        "unary",
        binary,
        undefined,
        undefined,
        options.acceptCompression,
        null,
        true,
      );
      acceptFetchDecodes(header);
      plain = {};
      for (const [key, value] of header) plain[key] = value;
    }
    return plain;
  };

  async function run<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    signal: AbortSignal | undefined,
    call: CallAbort | undefined,
    timeoutMs: number | undefined,
    header: HeadersInit | undefined,
    message: MessageInitShape<I>,
    lowercase = false,
  ): Promise<UnaryResponse<I, O>> {
    const { serialization, url } = partsOf(method);
    let res: Response | undefined;
    try {
      const input = isMessage(message, method.input) ? message : create(method.input, message);
      let headers: Record<string, string> | Headers;
      if (header === undefined) {
        headers = timeoutMs === undefined
          ? { ...plainHeader() }
          : { "connect-timeout-ms": String(timeoutMs), ...plainHeader() };
      } else if (lowercase && options.acceptCompression.length > 0) {
        // What requestHeaderWithCompression makes of a caller's headers, on a record: the
        // protocol's headers replace the caller's, but a user agent of the caller's stays.
        const plain = plainHeader();
        const record = { ...(header as Record<string, string>) };
        if (timeoutMs !== undefined) record["connect-timeout-ms"] = String(timeoutMs);
        record["content-type"] = plain["content-type"];
        record["connect-protocol-version"] = plain["connect-protocol-version"];
        record["user-agent"] ??= plain["user-agent"];
        if ("content-encoding" in record) delete record["content-encoding"];
        record["accept-encoding"] = plain["accept-encoding"];
        headers = record;
      } else {
        headers = requestHeaderWithCompression(
          method.methodKind,
          binary,
          timeoutMs,
          header,
          options.acceptCompression,
          sendCompression,
          true,
        );
        headers.delete("content-encoding");
        acceptFetchDecodes(headers);
      }
      let body = serialization.getI(binary).serialize(input);
      if (sendCompression !== null && body.byteLength > options.compressMinBytes) {
        body = await sendCompression.compress(body);
        if (headers instanceof Headers) headers.set("content-encoding", sendCompression.name);
        else headers["content-encoding"] = sendCompression.name;
      }
      const init: RequestInit = {
        method: "POST",
        headers,
        signal,
        // Connect-ES's transports never follow redirects; one is turned into an error below
        // (fetched "manual", as Workers refuse "error"), or by fetchFailure where the fetch
        // refuses it itself.
        redirect,
        body: body as Uint8Array<ArrayBuffer>,
      };
      try {
        res = await fetch(url, init);
      } catch (error) {
        // Sent once more when it never left, as `send` in fetch.ts does.
        const e = fetchFailure(error, init, target);
        if (signal?.aborted || !neverSent(e)) throw e;
        try {
          res = await fetch(url, init);
        } catch (again) {
          throw fetchFailure(again, init, target);
        }
      }
      if (isRedirectResponse(res)) await refuseRedirect(res, target);
      const resHeader = decodedHeaders(res.headers);
      const { compression, isUnaryError, unaryError } = validateResponseWithCompression(
        method.methodKind,
        options.acceptCompression,
        binary,
        res.status,
        resHeader,
      );
      // The whole body, held to `readMaxBytes` as Connect-ES's readAllBytes holds it: a promised
      // length over the limit is refused before reading, and one that does not match what came
      // is a protocol error; without a length the body is read chunk by chunk and refused once
      // it outgrows the limit.
      const length = resHeader.get("content-length");
      const hint = length === null ? NaN : parseInt(length, 10);
      let bytes: Uint8Array;
      if (!Number.isSafeInteger(hint) || hint < 0 || hint > options.readMaxBytes) {
        bytes = await readAllBytes(responseBody(res.body, signal), options.readMaxBytes, length);
      } else {
        const read = res.arrayBuffer();
        bytes = new Uint8Array(
          await (call === undefined ? untilAborted(read, signal) : untilCallAborted(read, call)),
        );
        if (bytes.byteLength !== hint) {
          throw new ConnectError(
            `protocol error: promised ${hint} bytes, received ${bytes.byteLength}`,
            Code.InvalidArgument,
          );
        }
      }
      res = undefined;
      if (compression) bytes = await compression.decompress(bytes, options.readMaxBytes);
      if (isUnaryError) {
        const [demuxedHeader, demuxedTrailer] = trailerDemux(resHeader);
        throw errorFromJsonBytes(bytes, appendHeaders(demuxedHeader, demuxedTrailer), unaryError);
      }
      const [demuxedHeader, demuxedTrailer] = trailerDemux(resHeader);
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
  }

  return {
    async unary(method, signal, timeoutMs, header, message, contextValues) {
      const timeout = callTimeoutMs(timeoutMs, options.defaultTimeoutMs);
      if (timeout !== undefined || options.interceptors.length > 0 || get(method)) {
        return await fallback(method, signal, timeoutMs, header, message, contextValues);
      }
      return await run(method, signal, undefined, undefined, header, message);
    },
    direct(method, call, timeoutMs, header, message, lowercase) {
      if (options.interceptors.length > 0 || get(method)) {
        // The header carries the deadline; the call's signal enforces it.
        const withTimeout = new Headers(header);
        if (timeoutMs !== undefined) withTimeout.set("connect-timeout-ms", String(timeoutMs));
        return fallback(method, call.signal, undefined, withTimeout, message);
      }
      return run(method, call.signal, call, timeoutMs, header, message, lowercase);
    },
  };
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

// untilAborted, told of the abort by the call's owner instead of by an event listener.
function untilCallAborted<T>(read: Promise<T>, call: CallAbort): Promise<T> {
  if (call.signal.aborted) return Promise.reject(call.signal.reason);
  return new Promise<T>((resolve, reject) => {
    call.onAbort = reject;
    read.then((value) => {
      call.onAbort = undefined;
      resolve(value);
    }, (error) => {
      call.onAbort = undefined;
      reject(error);
    });
  });
}
