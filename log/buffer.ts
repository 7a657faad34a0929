// A bounded line queue drained asynchronously: callers append and return at once; one drain loop
// writes batches to the sink. When the queue is full, lines are dropped and counted, and a notice
// with the count is written once the sink catches up, so slow output never stalls a request and
// memory stays bounded.
import type { BatchWriter } from "./sink.ts";

/** Counters of a writer, for health checks and tests. */
export interface WriterStats {
  /** Lines the sink accepted. */
  readonly written: number;
  /** Lines dropped because the buffer was full. */
  readonly dropped: number;
  /** Lines lost to a failing sink or formatter. */
  readonly failed: number;
  /** Lines queued or being written. */
  readonly pending: number;
}

/** Queue of lines with at most `max` pending. */
export class LineBuffer {
  #queue: string[] = [];
  #inflight = 0;
  // A drain is scheduled: for the end of the current turn, or after the batch window.
  #scheduled = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  // Settles when the sink finishes an asynchronous write; undefined while none is in flight.
  #busy: Promise<void> | undefined;
  #written = 0;
  #dropped = 0;
  #unreported = 0;
  #failed = 0;
  readonly #run = () => {
    this.#scheduled = false;
    this.#timer = undefined;
    this.#pump();
  };

  /**
   * Buffers up to `max` lines for `write`; `notice` words the line that reports dropped ones,
   * `onError` hears of failed writes. With `windowMs` > 0, lines wait up to that long to be
   * written together (each write to a stream is a round trip to the runtime's I/O thread, which
   * under load costs more than formatting the line); a quarter-full buffer is written at once.
   */
  constructor(
    private readonly write: BatchWriter,
    private readonly max: number,
    private readonly notice: (dropped: number) => string,
    private readonly onError: (err: unknown) => void,
    private readonly windowMs = 0,
  ) {}

  /** Queues a line, or drops it when the buffer is full. */
  push(line: string): void {
    if (this.#queue.length + this.#inflight >= this.max) {
      this.#dropped++;
      this.#unreported++;
      return;
    }
    this.#queue.push(line);
    if (this.#busy !== undefined) return;
    if (this.#timer !== undefined && this.#queue.length * 4 >= this.max) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#scheduled = false;
    }
    // After the current turn (or the window), so the lines logged meanwhile go out as one batch.
    // A microtask rather than an async loop: a synchronous sink then costs no promise per batch.
    if (!this.#scheduled) {
      this.#scheduled = true;
      if (this.windowMs > 0 && this.#queue.length * 4 < this.max) {
        this.#arm();
      } else {
        queueMicrotask(this.#run);
      }
    }
  }

  // Workers forbid timers in global scope (a line logged while a module loads): the batch goes
  // out after the current turn instead of being lost with the worker.
  #arm(): void {
    try {
      this.#timer = setTimeout(this.#run, this.windowMs);
    } catch {
      this.#timer = undefined;
      queueMicrotask(this.#run);
    }
  }

  /** Counts a line lost before it reached the queue. */
  fail(err: unknown): void {
    this.#failed++;
    this.onError(err);
  }

  /** Resolves when everything queued so far is written, or when `signal` aborts. */
  async flush(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) return;
      if (this.#timer !== undefined) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
        this.#scheduled = false;
      }
      if (this.#busy === undefined) this.#pump();
      const busy = this.#busy;
      if (busy === undefined) return;
      if (signal === undefined) {
        await busy;
        continue;
      }
      let onAbort = () => {};
      const aborted = new Promise<void>((resolve) => {
        onAbort = () => resolve();
        signal.addEventListener("abort", onAbort, { once: true });
      });
      try {
        await Promise.race([busy, aborted]);
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
    }
  }

  /** Current counters. */
  stats(): WriterStats {
    return {
      written: this.#written,
      dropped: this.#dropped,
      failed: this.#failed,
      pending: this.#queue.length + this.#inflight,
    };
  }

  // Writes batches until the queue is empty or the sink answers asynchronously; in that case
  // the rest waits for that write to settle.
  #pump(): void {
    while (this.#busy === undefined && this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      this.#inflight = batch.length;
      let pending: void | Promise<void>;
      try {
        pending = this.write(batch);
      } catch (err) {
        this.#settle(batch.length, err ?? new Error("log sink failed"));
        continue;
      }
      if (pending === undefined || typeof pending.then !== "function") {
        this.#settle(batch.length, undefined);
        continue;
      }
      this.#busy = Promise.resolve(pending).then(
        () => this.#settle(batch.length, undefined),
        (err) => this.#settle(batch.length, err ?? new Error("log sink failed")),
      ).then(() => {
        this.#busy = undefined;
        // Lines that came in meanwhile wait out a window of their own, so a stream sink sees
        // at most one write per window unless the buffer fills up.
        if (this.windowMs > 0 && this.#queue.length * 4 < this.max) {
          if (this.#queue.length > 0 && !this.#scheduled) {
            this.#scheduled = true;
            this.#arm();
          }
        } else {
          this.#pump();
        }
      });
    }
  }

  #settle(count: number, err: unknown): void {
    if (err === undefined) {
      this.#written += count;
    } else {
      this.#failed += count;
      try {
        this.onError(err);
      } catch {
        // A failing error handler must not stop the buffer from draining.
      }
    }
    this.#inflight = 0;
    if (this.#unreported > 0) {
      // May exceed the bound by this one line: the count must not itself be dropped.
      this.#queue.push(this.notice(this.#unreported));
      this.#unreported = 0;
    }
  }
}
