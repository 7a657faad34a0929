// A reply sent before its request body arrived whole (an early error, a message over the limit):
// the rest of the body is read and dropped, within a bound, so a client still writing it can
// finish, read the reply and reuse the connection, as Go's net/http does. Past the bound the
// connection is closed (HTTP/1.1) or the stream reset with NO_ERROR, which RFC 9113 §8.1 allows
// after a complete response (HTTP/2).
//
// @hono/node-server's own cleanup (autoCleanupIncoming, turned off by the Node listener on
// HTTP/1.1) gives the body 500 ms and then closes the connection, and its drain stalls when the
// body stream a handler abandoned stops pulling: a keep-alive connection is then cut under a
// client that is still sending, or about to send its next request. On HTTP/2 it stays on, since
// without it a handler cancelling the body destroyed the stream before its reply left; but two
// timer ticks after the reply's end() it destroys a stream whose request has not ended yet
// (honojs/node-server#246), which resets the stream before the reply is flushed whenever the
// session's writes lag behind (a busy socket, a client slow to open its window). That destroy
// is refused here (keepStreamAfterReply) and the rest of the body dropped once the reply is out,
// which also gives the client back the flow-control window the abandoned body had filled.
import type * as http from "node:http";
import type * as http2 from "node:http2";
import type { Socket } from "node:net";
import { unrefTimer } from "../../internal/runtime.ts";

/** Most of an unread request body read and dropped after the reply, per request. */
export const DISCARD_MAX_BYTES = 1024 * 1024;
/** Longest time a client may take to send the rest of such a body. */
export const DISCARD_TIMEOUT_MS = 10_000;

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

interface Draining {
  /** The body arrived whole (or the connection or stream is gone). */
  done(): boolean;
  /** Bytes dropped so far. */
  bytes(): number;
  /** Gives up: closes the connection or resets the stream. */
  cut(): void;
  readonly deadline: number;
}

/**
 * Refuses the destroy without an error that @hono/node-server's HTTP/2 cleanup sends a stream
 * whose reply has ended while its request body has not; {@linkcode UnreadBodies} then reads and
 * drops that body once the reply is out, or resets the stream with NO_ERROR past its bounds.
 */
export function keepStreamAfterReply(
  req: http2.Http2ServerRequest,
  res: http2.Http2ServerResponse,
): void {
  const stream = req.stream;
  const early = (error: Error | undefined) =>
    error === undefined && stream.writableEnded && !stream.readableEnded && !stream.destroyed;
  const destroyReq = req.destroy.bind(req);
  req.destroy = (error?: Error) => early(error) ? req : destroyReq(error);
  const destroyRes = res.destroy.bind(res);
  res.destroy = (error?: Error) => early(error) ? res : destroyRes(error);
}

/** Request bodies left unread by a finished reply, and the sweep that bounds their discard. */
export class UnreadBodies {
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #draining = new Map<object, Draining>();
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Discards at most `maxBytes` per body, for at most `timeoutMs`. */
  constructor(timeoutMs = DISCARD_TIMEOUT_MS, maxBytes = DISCARD_MAX_BYTES) {
    this.#timeoutMs = timeoutMs;
    this.#maxBytes = maxBytes;
  }

  /** Takes care of the request body once `res` finished, if it was not read whole by then. */
  watch(req: Request, res: Response): void {
    if (req.method === "GET" || req.method === "HEAD") return;
    if (req.httpVersionMajor >= 2) {
      // The stream's own "finish": the compat response emits its "finish" only once the stream
      // closed, which an unread body keeps from happening.
      const stream = (req as http2.Http2ServerRequest).stream;
      stream.once("finish", () => this.#discardStream(stream));
      return;
    }
    // After the reply node:http detaches the socket from both, so it is taken now.
    const socket = req.socket as Socket;
    res.once("finish", () => this.#discard(req as http.IncomingMessage, socket));
  }

  /** Stops the sweep (the server closed). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#draining.clear();
  }

  #discard(req: http.IncomingMessage, socket: Socket): void {
    if (req.complete || socket.destroyed) return;
    // node:http's own way to drop a body nobody reads: the parser stops handing it to the
    // request (whose stream may be destroyed or full, after a handler cancelled it) and keeps
    // reading the connection.
    if ("_dump" in req && typeof req._dump === "function") {
      req._dump();
    } else {
      req.removeAllListeners("data");
      req.resume();
    }
    socket.resume();
    const bytesAtStart = socket.bytesRead;
    this.#track(socket, {
      done: () => req.complete || socket.destroyed,
      bytes: () => socket.bytesRead - bytesAtStart,
      cut: () => socket.destroy(),
      deadline: Date.now() + this.#timeoutMs,
    });
  }

  #discardStream(stream: http2.ServerHttp2Stream): void {
    if (stream.readableEnded || stream.destroyed || stream.closed) return;
    // The body the handler abandoned is no one's any more: its listeners (the compat request's,
    // which paused the stream) go, and what still comes is counted and dropped, which also
    // hands the client its flow-control window back.
    let bytes = 0;
    let ended = false;
    stream.removeAllListeners("data");
    stream.on("data", (chunk: Uint8Array) => {
      bytes += chunk.byteLength;
      if (bytes > this.#maxBytes) cut();
    });
    stream.once("end", () => (ended = true));
    const cut = () => {
      if (!stream.destroyed && !stream.closed) stream.close(0); // NGHTTP2_NO_ERROR
    };
    stream.resume();
    this.#track(stream, {
      done: () => ended || stream.destroyed || stream.closed,
      bytes: () => bytes,
      cut,
      deadline: Date.now() + this.#timeoutMs,
    });
  }

  #track(key: { once(event: "close", listener: () => void): unknown }, draining: Draining): void {
    this.#draining.set(key, draining);
    key.once("close", () => this.#draining.delete(key));
    this.#timer ??= setInterval(() => this.#sweep(), 25);
    unrefTimer(this.#timer);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [key, draining] of this.#draining) {
      if (draining.done()) {
        this.#draining.delete(key);
      } else if (now > draining.deadline || draining.bytes() > this.#maxBytes) {
        this.#draining.delete(key);
        draining.cut();
      }
    }
    if (this.#draining.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
