// A one-slot mailbox between push-style change notifications (fs events, memory.set) and the
// pull-style Watcher.next(): only the latest item matters, and none is lost while nobody waits.

/** Holds the latest item until `take` collects it; after `close` takers get its error. */
export class Mailbox<T> {
  #item: { value: T } | undefined;
  #waiter: { resolve(v: T): void; reject(e: unknown): void } | undefined;
  #closed: { error: unknown } | undefined;

  /** Delivers an item, replacing one not yet taken. */
  put(value: T): void {
    if (this.#closed) return;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w.resolve(value);
    } else this.#item = { value };
  }

  /** The next item; rejects with the close error once closed. */
  take(): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closed.error);
    if (this.#item) {
      const { value } = this.#item;
      this.#item = undefined;
      return Promise.resolve(value);
    }
    return new Promise((resolve, reject) => this.#waiter = { resolve, reject });
  }

  /** Closes the mailbox; a pending `take` and every later one reject with `error`. */
  close(error: unknown): void {
    if (this.#closed) return;
    this.#closed = { error };
    this.#item = undefined;
    this.#waiter?.reject(error);
    this.#waiter = undefined;
  }
}
