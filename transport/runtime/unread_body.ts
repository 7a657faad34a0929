// A reply sent before its request body arrived whole (an early error, a message over the limit):
// the rest of the body is read and dropped, within a bound, so a client still writing it can
// finish, read the reply and reuse the connection, as Go's net/http does. Past the bound the
// connection is closed. HTTP/1.1 only: HTTP/2 streams keep @hono/node-server's cleanup (with it
// turned off there, a handler cancelling the body destroyed the stream before its reply left).
//
// @hono/node-server's own cleanup (autoCleanupIncoming, turned off by the Node listener) gives
// the body 500 ms and then closes the connection, and its drain stalls when the body stream a
// handler abandoned stops pulling: a keep-alive connection is then cut under a client that is
// still sending, or about to send its next request.
import type * as http from "node:http";
import type * as http2 from "node:http2";
import type { Socket } from "node:net";

/** Most of an unread request body read and dropped after the reply, per request. */
export const DISCARD_MAX_BYTES = 1024 * 1024;
/** Longest time a client may take to send the rest of such a body. */
export const DISCARD_TIMEOUT_MS = 10_000;

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

interface Draining {
  readonly req: http.IncomingMessage;
  readonly bytesAtStart: number;
  readonly deadline: number;
}

/** Request bodies left unread by a finished reply, and the sweep that bounds their discard. */
export class UnreadBodies {
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #draining = new Map<Socket, Draining>();
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Discards at most `maxBytes` per body, for at most `timeoutMs`. */
  constructor(timeoutMs = DISCARD_TIMEOUT_MS, maxBytes = DISCARD_MAX_BYTES) {
    this.#timeoutMs = timeoutMs;
    this.#maxBytes = maxBytes;
  }

  /** Takes care of the request body once `res` finished, if it was not read whole by then. */
  watch(req: Request, res: Response): void {
    if (req.method === "GET" || req.method === "HEAD") return;
    // After the reply node:http detaches the socket from both, so it is taken now.
    const socket = req.socket as Socket;
    res.once("finish", () => {
      if (req.httpVersionMajor >= 2) return;
      this.#discard(req as http.IncomingMessage, socket);
    });
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
    const dump = (req as unknown as { _dump?: () => void })._dump;
    if (typeof dump === "function") {
      dump.call(req);
    } else {
      req.removeAllListeners("data");
      req.resume();
    }
    socket.resume();
    this.#draining.set(socket, {
      req,
      bytesAtStart: socket.bytesRead,
      deadline: Date.now() + this.#timeoutMs,
    });
    socket.once("close", () => this.#draining.delete(socket));
    this.#timer ??= setInterval(() => this.#sweep(), 25);
    (this.#timer as unknown as { unref?: () => void }).unref?.();
  }

  #sweep(): void {
    const now = Date.now();
    for (const [socket, { req, bytesAtStart, deadline }] of this.#draining) {
      if (req.complete || socket.destroyed) {
        this.#draining.delete(socket);
      } else if (now > deadline || socket.bytesRead - bytesAtStart > this.#maxBytes) {
        this.#draining.delete(socket);
        socket.destroy();
      }
    }
    if (this.#draining.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
