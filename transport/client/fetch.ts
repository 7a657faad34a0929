// Connect-ES's universal HTTP client contract on top of fetch, for Connect and gRPC-Web on every
// runtime. connect-web's transports buffer nothing but also stream nothing: they refuse client
// and bidi streams outright ("The fetch API does not support streaming request bodies"). Here a
// request whose messages may still be coming streams its body (`duplex: "half"`, which Deno,
// Node, Bun and workerd accept), so client streams and half-duplex bidi work over HTTP/1.1 and
// full-duplex bidi works wherever fetch speaks HTTP/2; a request with one message (unary, server
// streams) is sent as one buffer, with a Content-Length, as browsers and proxies prefer.
import type { UniversalClientFn, UniversalClientRequest } from "@connectrpc/connect/protocol";
import { concatBytes } from "../../internal/bytes.ts";

/** A universal client over `fetch`; `streamBody` streams the request body instead of buffering it. */
export function fetchHttpClient(
  fetch: typeof globalThis.fetch,
  streamBody: boolean,
): UniversalClientFn {
  return async (req) => {
    const init: RequestInit & { duplex?: "half" } = {
      method: req.method,
      headers: req.header,
      signal: req.signal,
      // Connect-ES's transports never follow redirects; guardFetch turns one into an error.
      redirect: "error",
    };
    let buffered: Uint8Array | undefined;
    if (req.body !== undefined && !streamBody) buffered = await collect(req.body);
    const streamed = req.body !== undefined && streamBody ? new RequestBody(req.body) : undefined;
    const unary = isConnectUnary(req);
    if (unary) {
      const header = new Headers(req.header);
      acceptFetchDecodes(header);
      init.headers = header;
    }
    const res = await send(fetch, req.url, init, req.signal, () => {
      if (streamed !== undefined) {
        init.body = streamed.stream();
        init.duplex = "half";
        return streamed;
      }
      if (buffered !== undefined) init.body = buffered as Uint8Array<ArrayBuffer>;
      return undefined;
    });
    return {
      status: res.status,
      header: unary ? decodedHeaders(res.headers) : res.headers,
      body: responseBody(res.body, req.signal),
      trailer: new Headers(),
    };
  };
}

/**
 * Sends a request, once more for a request none of whose bytes can have left (what fetch
 * already read of a streamed body is replayed): its connection was never made because another
 * request waiting for the same new HTTP/2 connection was cancelled (hyper's pool cancels every
 * waiter with the first: hyperium/hyper#3199, seen in Deno's fetch as "client error (Connect):
 * request was canceled"). `prepare` sets the body of each attempt and returns a streamed one.
 */
export async function send(
  fetch: typeof globalThis.fetch,
  url: string,
  init: RequestInit,
  signal: AbortSignal | undefined,
  prepare: () => RequestBody | undefined,
): Promise<Response> {
  for (let attempt = 1;; attempt++) {
    const streamed = prepare();
    try {
      const res = await fetch(url, init);
      streamed?.started();
      return res;
    } catch (error) {
      const resend = attempt === 1 && !signal?.aborted && streamed?.replayable() !== false &&
        neverSent(error);
      if (!resend) {
        streamed?.end(error);
        throw error;
      }
    }
  }
}

/**
 * Whether a failed fetch is one whose request never left because another request waiting for
 * the same new HTTP/2 connection was cancelled (see `send`), so sending it again is safe.
 */
export function neverSent(error: unknown): boolean {
  return causes(error).some((m) => m.includes("client error (Connect): request was canceled"));
}

/** Content codings every runtime's fetch decodes transparently. */
const fetchDecodes = ["gzip", "br"];

/**
 * Connect unary compresses with HTTP's own Content-Encoding, which fetch decodes by itself —
 * and which codings it decodes differs (Deno leaves deflate and zstd alone, Node and Bun decode
 * them). Asking only for the codings every fetch decodes makes every compressed reply one fetch
 * has already decoded. Rewrites `header`'s Accept-Encoding in place.
 */
export function acceptFetchDecodes(header: Headers): void {
  const asked = header.get("accept-encoding") ?? "";
  const accepted = asked.split(",").map((c) => c.trim().toLowerCase())
    .filter((c) => fetchDecodes.includes(c));
  const value = accepted.length > 0 ? accepted.join(", ") : "identity";
  if (value !== asked) header.set("accept-encoding", value);
}

function isConnectUnary(req: UniversalClientRequest): boolean {
  if (req.method === "GET") return true;
  const type = req.header.get("content-type") ?? "";
  return type.startsWith("application/") && !type.startsWith("application/connect+") &&
    !type.startsWith("application/grpc");
}

/**
 * The headers of a body fetch decoded, as if it had been sent plain: Connect-ES would
 * otherwise decompress it again and hold it to the compressed Content-Length.
 */
export function decodedHeaders(headers: Headers): Headers {
  const coding = headers.get("content-encoding")?.trim().toLowerCase();
  if (coding === undefined || !fetchDecodes.includes(coding)) return headers;
  const out = new Headers(headers);
  out.delete("content-encoding");
  out.delete("content-length");
  return out;
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return concatBytes(chunks);
}

const REPLAY_MAX_BYTES = 64 * 1024;

/**
 * A streamed request body that can be handed to fetch again while it cannot have reached the
 * server: each `stream()` supersedes the previous one, replays what the superseded one handed
 * to fetch, and takes over a message it was still waiting for. The source is told to stop
 * (`return`) only once the call no longer needs it, not when fetch cancels a stream that is
 * about to be resent.
 */
export class RequestBody {
  readonly #it: AsyncIterator<Uint8Array>;
  #pending?: Promise<IteratorResult<Uint8Array>>;
  #generation = 0;
  /**
   * What fetch read before a response arrived, for a resend; dropped once one did, or once it
   * outgrows what fetch reads ahead while a connection is being made (a long upload to a server
   * that answers only at the end must not be held in memory).
   */
  #replay: Uint8Array[] | undefined = [];
  #replayBytes = 0;
  #cancelled?: { reason: unknown };
  #ended = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  /** A fresh stream of the body for one fetch attempt. */
  stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
    const generation = ++this.#generation;
    const replay = [...(this.#replay ?? [])];
    this.#cancelled = undefined;
    return new ReadableStream<Uint8Array<ArrayBuffer>>({
      pull: async (controller) => {
        const again = replay.shift();
        if (again !== undefined) {
          controller.enqueue(again as Uint8Array<ArrayBuffer>);
          return;
        }
        this.#pending ??= this.#it.next();
        const r = await this.#pending;
        if (generation !== this.#generation) return; // superseded: the next stream takes it
        this.#pending = undefined;
        if (r.done === true) controller.close();
        else {
          this.#keep(r.value);
          controller.enqueue(r.value as Uint8Array<ArrayBuffer>);
        }
      },
      cancel: (reason) => {
        if (generation !== this.#generation) return;
        if (this.#replay === undefined) this.end(reason);
        else this.#cancelled = { reason };
      },
    }, { highWaterMark: 0 });
  }

  #keep(chunk: Uint8Array): void {
    if (this.#replay === undefined) return;
    this.#replayBytes += chunk.byteLength;
    if (this.#replayBytes > REPLAY_MAX_BYTES) this.#replay = undefined;
    else this.#replay.push(chunk);
  }

  /** Whether a new stream would carry the whole body (nothing fetch read was dropped). */
  replayable(): boolean {
    return this.#replay !== undefined;
  }

  /** The attempt got a response: nothing will be resent, a cancelled stream ends the source. */
  started(): void {
    this.#replay = undefined;
    if (this.#cancelled !== undefined) this.end(this.#cancelled.reason);
  }

  /** Tells the source the call needs no more messages. */
  end(reason?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#it.return?.(reason)?.catch(() => {});
  }
}

/** The messages of an error and of its causes. */
function causes(error: unknown): string[] {
  const out: string[] = [];
  for (let e = error, depth = 0; e instanceof Error && depth < 8; depth++) {
    out.push(e.message);
    e = e.cause;
  }
  return out;
}

/**
 * The response body as Connect-ES's byte iterable. A read in progress ends as soon as the call's
 * signal aborts (deadline, cancel): some fetch implementations let a pending read wait for the
 * next chunk even after the request was aborted, which would deliver a message past the deadline.
 */
export function responseBody(
  body: ReadableStream<Uint8Array> | null,
  signal: AbortSignal | undefined,
): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      const reader = body?.getReader();
      const end = async (reason?: unknown) => {
        await reader?.cancel(reason).catch(() => {});
        return { done: true as const, value: undefined };
      };
      const read = (): Promise<IteratorResult<Uint8Array>> => {
        if (reader === undefined) return Promise.resolve({ done: true, value: undefined });
        if (signal?.aborted) {
          reader.cancel(signal.reason).catch(() => {});
          return Promise.reject(signal.reason);
        }
        return new Promise((resolve, reject) => {
          const onAbort = () => {
            reader.cancel(signal!.reason).catch(() => {});
            reject(signal!.reason);
          };
          signal?.addEventListener("abort", onAbort, { once: true });
          reader.read().then(
            (r) =>
              resolve(r.done ? { done: true, value: undefined } : { done: false, value: r.value }),
            reject,
          ).finally(() => signal?.removeEventListener("abort", onAbort));
        });
      };
      return { next: read, return: () => end(), throw: (e?: unknown) => end(e) };
    },
  };
}
