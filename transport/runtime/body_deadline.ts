// A bound on how long an HTTP/2 stream may take to send its request (node:http2 has none of its
// own): without it a stream that never sends its body holds its handler for as long as the
// client keeps the connection. One sweep per server, not a timer per stream.
import type * as http2 from "node:http2";
import { unrefTimer } from "../../internal/runtime.ts";

/** Streams still receiving their request, and the sweep that ends those past the bound. */
// Slots in parallel arrays with a free list, not a Map of entries: a server tracks a stream per
// call, and a Map entry keyed by the stream (its hash, and an entry object) cost more than the
// array writes. A slot freed by the sweep may be taken by another stream before the call that
// held it is over, so `done` checks that the slot still holds its stream.
export class BodyDeadline<K> {
  readonly #timeoutMs: number;
  readonly #expire: (stream: http2.ServerHttp2Stream, kind: K) => void;
  #streams: (http2.ServerHttp2Stream | undefined)[] = [];
  #deadlines: number[] = [];
  #kinds: (K | undefined)[] = [];
  #free: number[] = [];
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
    this.#streams = [];
    this.#deadlines = [];
    this.#kinds = [];
    this.#free = [];
  }

  /** Watches `stream` until its request ended (or the stream closed). */
  watch(stream: http2.ServerHttp2Stream, kind: K): void {
    const slot = this.track(stream, kind);
    if (slot < 0) return;
    const done = () => this.done(stream, slot);
    stream.once("end", done);
    stream.once("close", done);
  }

  /**
   * Watches `stream` until its request ended or `done(stream, slot)` is called, without
   * listeners (the sweep reads the stream's state): for a server that knows when each call is
   * over. Returns the slot to pass to `done` (-1: the request had already ended, nothing to do).
   */
  track(stream: http2.ServerHttp2Stream, kind: K): number {
    if (stream.endAfterHeaders || stream.readableEnded) return -1;
    const slot = this.#free.pop() ?? this.#streams.length;
    this.#streams[slot] = stream;
    this.#deadlines[slot] = Date.now() + this.#timeoutMs;
    this.#kinds[slot] = kind;
    return slot;
  }

  /** Stops watching `stream` in `slot` (its call is over). */
  done(stream: http2.ServerHttp2Stream, slot: number): void {
    if (slot >= 0 && this.#streams[slot] === stream) this.#release(slot);
  }

  #release(slot: number): void {
    this.#streams[slot] = undefined;
    this.#kinds[slot] = undefined;
    this.#free.push(slot);
  }

  #sweep(): void {
    const now = Date.now();
    const streams = this.#streams;
    for (let slot = 0; slot < streams.length; slot++) {
      const stream = streams[slot];
      if (stream === undefined) continue;
      if (stream.readableEnded || stream.destroyed || stream.closed) {
        this.#release(slot);
        continue;
      }
      if (this.#deadlines[slot] > now) continue;
      const kind = this.#kinds[slot] as K;
      this.#release(slot);
      this.#expire(stream, kind);
    }
  }
}
