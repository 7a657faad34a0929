// Test helpers for the config tests: bounded waits on events, and a logger that records.
import type { ConfigLogger } from "../../config/mod.ts";

/** A queue of events pushed by observers; `take` waits (bounded) for the next one. */
export class Events<T> {
  readonly #items: T[] = [];
  readonly #waiters: ((v: T) => void)[] = [];
  /** Every event seen so far, taken or not. */
  readonly all: T[] = [];

  /** Records an event (use as an observer). */
  readonly push = (v: T): void => {
    this.all.push(v);
    const w = this.#waiters.shift();
    if (w) w(v);
    else this.#items.push(v);
  };

  /** Resolves with the next event; rejects after `timeoutMs`. */
  take(what = "event", timeoutMs = 10_000): Promise<T> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve, reject) => {
      const waiter = (v: T) => {
        clearTimeout(timer);
        resolve(v);
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Takes events until one satisfies `pred`; rejects after `timeoutMs` overall. */
  async takeUntil(pred: (v: T) => boolean, what = "event", timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await this.take(what, Math.max(1, deadline - Date.now()));
      if (pred(v)) return v;
    }
  }

  /** Events not yet taken. */
  get pending(): readonly T[] {
    return this.#items;
  }
}

/** A logger that records warnings instead of printing them. */
export function recordingLogger(): ConfigLogger & { messages: string[] } {
  const messages: string[] = [];
  return { messages, warn: (m: string) => void messages.push(m) };
}

/** Polls `cond` until true; rejects after `timeoutMs`. For state without an event to await. */
export async function waitUntil(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
