// Following a key range through etcd's watch streams, which are fragile by nature: servers
// restart (a clean end of the body), runtimes cut idle bodies (Node after 300 s), history gets
// compacted, a store can come back wiped. Quiet ends resume from the last revision seen on a new
// stream; lost history is handed to the caller as a `reset` (list again); failures are thrown
// for the caller to pace its retries.
import { IdleTimeoutError } from "../ndjson.ts";
import type { EtcdClient, KeyRange } from "./client.ts";
import type { WatchEvent, WatchMessage } from "./message.ts";

/** What one step of a watch found. */
export type WatchStep =
  | {
    /** Changes, in order; `revision` already covers them. */
    readonly kind: "events";
    /** The changes. */
    readonly events: readonly WatchEvent[];
  }
  | {
    /** History was lost: list the range again and set `revision` to the listing's. */
    readonly kind: "reset";
  };

/** A watch of one range that survives reconnects. */
export class RangeWatch {
  /** Every change up to this revision has been delivered (or listed). */
  revision: bigint;
  readonly #client: EtcdClient;
  readonly #range: KeyRange;
  readonly #signal: AbortSignal;
  #messages: AsyncGenerator<WatchMessage, void, void> | undefined;
  #heard = false;

  /** Watches `range` after `revision` until `signal` aborts. */
  constructor(client: EtcdClient, range: KeyRange, revision: bigint, signal: AbortSignal) {
    this.#client = client;
    this.#range = range;
    this.revision = revision;
    this.#signal = signal;
  }

  /** The next changes or reset; rejects with the client's error when the watch fails. */
  async next(): Promise<WatchStep> {
    for (;;) {
      this.#signal.throwIfAborted();
      if (!this.#messages) {
        this.#messages = this.#client.watch(this.#range, this.revision + 1n, this.#signal);
        this.#heard = false;
      }
      let read: IteratorResult<WatchMessage>;
      try {
        read = await this.#messages.next();
      } catch (error) {
        this.#messages = undefined;
        this.#signal.throwIfAborted();
        // Idle may mean silently dead: resume on a new stream.
        if (error instanceof IdleTimeoutError) continue;
        throw error;
      }
      if (read.done) {
        this.#messages = undefined;
        // A server going away ends the body cleanly after having answered; one that ends a
        // stream before answering would have us reconnect in a hot loop.
        if (this.#heard) continue;
        throw this.#client.http.error(
          "unavailable",
          `etcd: watch ${this.#range.key}: the stream ended before etcd answered`,
          {},
        );
      }
      this.#heard = true;
      const message = read.value;
      switch (message.kind) {
        case "created":
          // A store whose revision is below ours was wiped: our history means nothing there.
          if (message.revision < this.revision) return this.#reset();
          break;
        case "progress":
          if (message.revision > this.revision) this.revision = message.revision;
          break;
        case "events":
          for (const { kv } of message.events) {
            if (kv.modRevision > this.revision) this.revision = kv.modRevision;
          }
          return message;
        case "compacted":
          return this.#reset();
        case "canceled":
          this.#drop();
          throw this.#client.http.error(
            "unavailable",
            `etcd: watch ${this.#range.key} canceled: ${message.reason}`,
            {},
          );
      }
    }
  }

  /** Closes the current stream (the next step opens a new one). */
  close(): void {
    this.#drop();
  }

  #reset(): WatchStep {
    this.#drop();
    return { kind: "reset" };
  }

  #drop(): void {
    const messages = this.#messages;
    this.#messages = undefined;
    // Suspended at a yield, so return() runs the stream's cleanup at once.
    void messages?.return().catch(() => {});
  }
}
