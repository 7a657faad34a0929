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
  #draining: Promise<void> | undefined;
  #written = 0;
  #dropped = 0;
  #unreported = 0;
  #failed = 0;

  constructor(
    private readonly write: BatchWriter,
    private readonly max: number,
    private readonly notice: (dropped: number) => string,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Queues a line, or drops it when the buffer is full. */
  push(line: string): void {
    if (this.#queue.length + this.#inflight >= this.max) {
      this.#dropped++;
      this.#unreported++;
      return;
    }
    this.#queue.push(line);
    this.#draining ??= this.#drain();
  }

  /** Counts a line lost before it reached the queue. */
  fail(err: unknown): void {
    this.#failed++;
    this.onError(err);
  }

  /** Resolves when everything queued so far is written, or when `signal` aborts. */
  async flush(signal?: AbortSignal): Promise<void> {
    while (this.#draining !== undefined && !signal?.aborted) {
      if (signal === undefined) {
        await this.#draining;
        continue;
      }
      let onAbort = () => {};
      const aborted = new Promise<void>((resolve) => {
        onAbort = () => resolve();
        signal.addEventListener("abort", onAbort, { once: true });
      });
      try {
        await Promise.race([this.#draining, aborted]);
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

  async #drain(): Promise<void> {
    // Start after the current task, so the lines it logs go out as one batch.
    await Promise.resolve();
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        this.#inflight = batch.length;
        try {
          await this.write(batch);
          this.#written += batch.length;
        } catch (err) {
          this.#failed += batch.length;
          this.onError(err);
        }
        this.#inflight = 0;
        if (this.#unreported > 0) {
          // May exceed the bound by this one line: the count must not itself be dropped.
          this.#queue.push(this.notice(this.#unreported));
          this.#unreported = 0;
        }
      }
    } finally {
      this.#draining = undefined;
    }
  }
}
