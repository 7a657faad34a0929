// A bound on how long an HTTP/2 stream may take to send its request (node:http2 has none of its
// own): without it a stream that never sends its body holds its handler for as long as the
// client keeps the connection. One sweep per server, not a timer per stream.
import type * as http2 from "node:http2";
import { unrefTimer } from "../../internal/runtime.ts";

/** Streams still receiving their request, and the sweep that ends those past the bound. */
export class BodyDeadline<K> {
  readonly #timeoutMs: number;
  readonly #expire: (stream: http2.ServerHttp2Stream, kind: K) => void;
  readonly #waiting = new Map<http2.ServerHttp2Stream, { deadline: number; kind: K }>();
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Calls `expire` for each stream whose request took longer than `timeoutMs`. */
  constructor(timeoutMs: number, expire: (stream: http2.ServerHttp2Stream, kind: K) => void) {
    this.#timeoutMs = timeoutMs;
    this.#expire = expire;
  }

  /** Starts the sweep (a quarter of the bound, so a stream overruns it by 25% at most). */
  start(): void {
    this.#timer ??= setInterval(() => this.#sweep(), Math.max(10, this.#timeoutMs / 4));
    unrefTimer(this.#timer);
  }

  /** Stops the sweep. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#waiting.clear();
  }

  /** Watches `stream` until its request ended (or the stream closed). */
  watch(stream: http2.ServerHttp2Stream, kind: K): void {
    if (!this.track(stream, kind)) return;
    const done = () => this.#waiting.delete(stream);
    stream.once("end", done);
    stream.once("close", done);
  }

  /**
   * Watches `stream` until its request ended or `done(stream)` is called, without listeners
   * (the sweep reads the stream's state): for a server that knows when each call is over.
   * Whether it is watched (false: the request had already ended).
   */
  track(stream: http2.ServerHttp2Stream, kind: K): boolean {
    if (stream.endAfterHeaders || stream.readableEnded) return false;
    this.#waiting.set(stream, { deadline: Date.now() + this.#timeoutMs, kind });
    return true;
  }

  /** Stops watching `stream` (its call is over). */
  done(stream: http2.ServerHttp2Stream): void {
    this.#waiting.delete(stream);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [stream, { deadline, kind }] of this.#waiting) {
      if (stream.readableEnded || stream.destroyed || stream.closed) {
        this.#waiting.delete(stream);
        continue;
      }
      if (deadline > now) continue;
      this.#waiting.delete(stream);
      this.#expire(stream, kind);
    }
  }
}
