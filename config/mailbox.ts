// A one-slot mailbox between push-style change notifications (fs events, memory.set) and the
// pull-style Watcher.next(): only the latest item matters, and none is lost while nobody waits.

/** Holds the latest item until `take` collects it; `close` makes takers receive `null`. */
export class Mailbox<T> {
  #item: { value: T } | undefined;
  #waiter: ((v: T | null) => void) | undefined;
  #closed = false;

  /** Delivers an item, replacing one not yet taken. */
  put(value: T): void {
    if (this.#closed) return;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w(value);
    } else this.#item = { value };
  }

  /** The next item, or `null` once closed. */
  take(): Promise<T | null> {
    if (this.#item) {
      const { value } = this.#item;
      this.#item = undefined;
      return Promise.resolve(value);
    }
    if (this.#closed) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiter = resolve);
  }

  /** Closes the mailbox; a pending `take` resolves with `null`. */
  close(): void {
    this.#closed = true;
    this.#item = undefined;
    this.#waiter?.(null);
    this.#waiter = undefined;
  }
}
