// Connect-ES's universal request/response over node:http2's stream API, for everything the
// unary fast path leaves to Connect-ES (streams, other content types). The stream API replaces
// the compat request/response, which is slower and whose completion event Deno never emits.
import type * as http2 from "node:http2";
import type { UniversalServerRequest, UniversalServerResponse } from "@connectrpc/connect/protocol";
import type { ContextValues } from "../../internal/contract.ts";
import { toObject } from "./headers.ts";
import { concatBytes } from "../../internal/bytes.ts";
import { detectRuntime, runtimeGlobal } from "../../internal/runtime.ts";

/** A universal request reading the stream's body; its signal aborts if the stream closes early. */
export function universalRequest(
  stream: http2.ServerHttp2Stream,
  method: string,
  url: string,
  header: Headers,
  values: ContextValues,
): UniversalServerRequest {
  const controller = new AbortController();
  const onClose = () => controller.abort(new Error("the client closed the stream"));
  stream.once("close", onClose);
  return {
    httpVersion: "2.0",
    method,
    url,
    header,
    body: bodyOf(stream),
    signal: controller.signal,
    contextValues: values as UniversalServerRequest["contextValues"],
  };
}

// Reads the request body without tying the stream's life to the reader: Connect-ES stops
// reading early on a bad message, and a Readable's own async iterator would then destroy the
// stream, resetting it before the error status could be sent.
function bodyOf(stream: http2.ServerHttp2Stream): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
      const queue: Uint8Array[] = [];
      let ended = false;
      let failure: Error | undefined;
      let wake: (() => void) | undefined;
      const notify = () => {
        const w = wake;
        wake = undefined;
        w?.();
      };
      const onData = (chunk: Uint8Array) => {
        queue.push(chunk);
        stream.pause();
        notify();
      };
      const onEnd = () => {
        ended = true;
        notify();
      };
      const onError = (error: Error) => {
        failure = error;
        notify();
      };
      const detach = () => {
        stream.off("data", onData);
        stream.off("end", onEnd);
        stream.off("error", onError);
        stream.off("close", onEnd);
      };
      stream.on("data", onData);
      stream.once("end", onEnd);
      stream.once("error", onError);
      stream.once("close", onEnd);
      // A request whose HEADERS frame ended the stream has no body; Deno's node:http2 never
      // emits "end" for it.
      if (stream.endAfterHeaders || stream.readableEnded) ended = true;
      return {
        async next(): Promise<IteratorResult<Uint8Array>> {
          for (;;) {
            const chunk = queue.shift();
            if (chunk !== undefined) return { done: false, value: chunk };
            if (failure) throw failure;
            if (ended) {
              detach();
              return { done: true, value: undefined };
            }
            stream.resume();
            await new Promise<void>((resolve) => (wake = resolve));
          }
        },
        return(): Promise<IteratorResult<Uint8Array>> {
          detach();
          stream.resume(); // drain what the client still sends; the response goes on
          return Promise.resolve({ done: true, value: undefined });
        },
      };
    },
  };
}

// Not on Deno: a stream its node:http2 server reset this way makes a later GOAWAY of the client
// abort the process (nghttp2's `stream->closed_next == NULL` assertion, or `free(): invalid
// pointer`; denoland/deno#36788).
const RESET_UNREAD = detectRuntime() !== "deno";

/**
 * Answers a gRPC call that has no message with its status in the headers, one HEADERS frame that
 * ends the stream (Trailers-Only), then stops an upload the call no longer reads; returns false,
 * sending nothing, when its headers carry metadata.
 */
// Go's HTTP/2 transport under connect-go ends a request body short of its content-length once
// the reply's headers arrived (connect-go releases the buffer it sends from), and nghttp2 resets
// such a stream with PROTOCOL_ERROR: a status sent after the headers, in trailers, was then lost
// whenever that END_STREAM arrived first. A Trailers-Only reply is whole in its first frame. The
// RST_STREAM NO_ERROR after it (RFC 9113 §8.1, as grpc-go does) tells a client still sending to
// stop, and frees the flow-control window the unread body holds.
// A reply whose headers carry metadata of the call's own sends them in a HEADERS frame of their
// own, as grpc-go does: gRPC clients read a Trailers-Only reply's headers as trailers only.
export function respondTrailersOnly(
  stream: http2.ServerHttp2Stream,
  head: Record<string, string | string[]>,
  trailers: Record<string, string | string[]>,
): boolean {
  for (const key in head) if (!PROTOCOL_HEADERS.has(key)) return false;
  stream.respond({ ...head, ...trailers }, { endStream: true });
  if (RESET_UNREAD && !stream.readableEnded && !stream.endAfterHeaders && !stream.closed) {
    stream.close(0); // NGHTTP2_NO_ERROR
  }
  return true;
}

// The headers of a reply that say nothing but how it is encoded.
const PROTOCOL_HEADERS = new Set([
  ":status",
  "content-type",
  "grpc-encoding",
  "grpc-accept-encoding",
]);

/** Writes a universal response: headers after the first body chunk, then body, then trailers. */
export async function writeUniversal(
  stream: http2.ServerHttp2Stream,
  response: UniversalServerResponse,
): Promise<void> {
  const it = response.body?.[Symbol.asyncIterator]();
  let failed = false;
  try {
    // The first chunk is read before committing headers: handlers may still add headers.
    let chunk: IteratorResult<Uint8Array> = it ? await it.next() : { done: true, value: undefined };
    if (stream.destroyed || stream.closed) return;
    const trailer = response.trailer;
    const closed = new Promise<void>((resolve) => stream.once("close", resolve));
    const head = toObject(response.header ?? new Headers());
    head[":status"] = String(response.status);
    if (trailer && chunk.done === true && respondTrailersOnly(stream, head, toObject(trailer))) {
      await closed;
      return;
    }
    if (trailer) stream.once("wantTrailers", () => stream.sendTrailers(toObject(trailer)));
    stream.respond(head, { waitForTrailers: trailer !== undefined });
    const batch = new WriteBatch(stream);
    while (chunk.done !== true) {
      const pending = batch.add(chunk.value);
      if (pending) await pending;
      chunk = await it!.next();
    }
    const last = batch.flush();
    if (last) await last;
    stream.end();
    await closed;
  } catch (error) {
    failed = true;
    await it?.throw?.(error).catch(() => {});
    if (!stream.destroyed) stream.close(2); // NGHTTP2_INTERNAL_ERROR
  } finally {
    if (!failed) await it?.return?.().catch(() => {});
  }
}

/** Writes a chunk; returns a promise only under backpressure, settled by "drain" or "close". */
// Awaiting every write's callback instead held each stream to one DATA frame per event-loop
// turn, which halved gRPC server-stream throughput on Node and Deno.
export function writeChunk(
  stream: Pick<http2.ServerHttp2Stream, "destroyed" | "write" | "once" | "off">,
  chunk: Uint8Array,
): Promise<void> | undefined {
  if (stream.destroyed) return Promise.reject(new Error("stream closed by the client"));
  if (stream.write(chunk)) return undefined;
  return new Promise((resolve, reject) => {
    const onClose = () => {
      stream.off("drain", onDrain);
      reject(new Error("stream closed by the client"));
    };
    const onDrain = () => {
      stream.off("close", onClose);
      resolve();
    };
    stream.once("close", onClose);
    stream.once("drain", onDrain);
  });
}

// A batch this large is written at once rather than at the end of the turn.
const FLUSH_BYTES = 16384;

/** Coalesces the envelopes produced in one event-loop turn into one write (one DATA frame). */
// A write per envelope costs node:http2 a native call each; batching lifted gRPC server streams
// 1.5× on Node and 1.8× on Deno in bench/.
export class WriteBatch {
  #chunks: Uint8Array[] = [];
  #size = 0;
  #scheduled = false;
  #pending: Promise<void> | undefined;

  /** Batches writes to `stream`. */
  constructor(private readonly stream: Parameters<typeof writeChunk>[0]) {}

  /** Queues a chunk; returns a promise to await when the stream pushes back. */
  add(chunk: Uint8Array): Promise<void> | undefined {
    this.#chunks.push(chunk);
    this.#size += chunk.byteLength;
    if (this.#size >= FLUSH_BYTES) return this.flush();
    if (!this.#scheduled) {
      this.#scheduled = true;
      // The global (Node, Deno, Bun): importing node:timers would put it in a Worker's bundle.
      runtimeGlobal<(fn: () => void) => void>("setImmediate")(() => {
        this.#scheduled = false;
        const pending = this.flush();
        // Kept for the next add to await; the catch only stops an unobserved rejection.
        pending?.catch(() => {});
        this.#pending = pending;
      });
    }
    const pending = this.#pending;
    this.#pending = undefined;
    return pending;
  }

  /** Writes what is queued now; returns a promise under backpressure. */
  flush(): Promise<void> | undefined {
    if (this.#chunks.length === 0) return undefined;
    const data = concatBytes(this.#chunks, this.#size);
    this.#chunks = [];
    this.#size = 0;
    return writeChunk(this.stream, data);
  }
}
