// Deadlines of one length share one timer. Calls under the same server timeout start in order,
// so their deadlines fall in order too: a FIFO queue holds them, one timer is armed for the
// oldest one still running, and a call that ends just marks its entry done. Arming and clearing
// a timer per call (what each call did before) costs more than the rest of the deadline work
// (on Deno 2-3 µs a pair, against ~0.1 µs to ref/unref one).
//
// When the last waiting call ends, a queue either clears its timer (nothing is left behind, for
// queues without an owner to close them) or keeps it unref'd until its owner closes the queue
// (a server, at stop): then calls that come and go one at a time re-use the same timer too.

/** A pending expiry; `cancel()` it when the work ends first. */
export interface Expiry {
  /** Stops the expiry from firing (idempotent). */
  cancel(): void;
}

interface Entry extends Expiry {
  readonly due: number;
  onExpire: (() => void) | undefined;
}

type Timer = ReturnType<typeof setTimeout>;

// Node's, Bun's and Deno's timers have ref()/unref(); Workers' are numbers (nothing to keep
// alive there).
function setRef(timer: Timer, ref: boolean): void {
  const t = timer as { ref?: () => void; unref?: () => void };
  if (ref) t.ref?.();
  else t.unref?.();
}

/** Expiries of one fixed length, in start order, on one timer. */
export class ExpiryQueue {
  #entries: Entry[] = [];
  #head = 0;
  #live = 0;
  #timer: Timer | undefined;
  #armedFor = Infinity;
  #ref = true;
  readonly #keepIdle: boolean;
  readonly #fire = () => this.#expire();

  /**
   * A queue for expiries `budgetMs` after they are added. With `keepIdle`, an idle queue keeps
   * its timer unref'd instead of clearing it; `close()` then clears it for good.
   */
  constructor(readonly budgetMs: number, options: { keepIdle?: boolean } = {}) {
    this.#keepIdle = options.keepIdle ?? false;
  }

  /** Calls `onExpire` `budgetMs` from now unless cancelled first. */
  add(onExpire: () => void): Expiry {
    const entry: Entry = {
      due: Date.now() + this.budgetMs,
      onExpire,
      cancel: () => this.#cancel(entry),
    };
    this.#entries.push(entry);
    if (++this.#live === 1 && this.#timer !== undefined && !this.#ref) {
      this.#ref = true;
      setRef(this.#timer, true);
    }
    // A clock set back can put a due before the armed one.
    if (this.#timer === undefined || entry.due < this.#armedFor) this.#arm(entry.due);
    return entry;
  }

  /** Expiries still waiting. */
  get pending(): number {
    return this.#live;
  }

  #cancel(entry: Entry): void {
    if (entry.onExpire === undefined) return;
    entry.onExpire = undefined;
    if (--this.#live === 0) {
      this.#entries = [];
      this.#head = 0;
      if (!this.#keepIdle) {
        this.close();
      } else if (this.#timer !== undefined && this.#ref) {
        this.#ref = false;
        setRef(this.#timer, false);
      }
      return;
    }
    this.#dropDone();
  }

  /** Clears the timer (a later `add` arms a new one). */
  close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Infinity;
  }

  #dropDone(): void {
    const entries = this.#entries;
    let head = this.#head;
    while (head < entries.length && entries[head].onExpire === undefined) head++;
    if (head === entries.length) {
      this.#entries = [];
      head = 0;
    } else if (head > 1024 && head * 2 > entries.length) {
      this.#entries = entries.slice(head);
      head = 0;
    }
    this.#head = head;
  }

  #expire(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const now = Date.now();
    for (;;) {
      this.#dropDone();
      const next = this.#entries[this.#head];
      if (next === undefined) return;
      if (next.due > now) {
        this.#arm(next.due);
        return;
      }
      const onExpire = next.onExpire!;
      this.#cancel(next);
      try {
        onExpire();
      } catch (error) {
        // One failing expiry must not strand the others behind it.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  #arm(due: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedFor = due;
    this.#timer = setTimeout(this.#fire, Math.max(0, due - Date.now()));
    this.#ref = true;
    if (this.#live === 0) {
      this.#ref = false;
      setRef(this.#timer, false);
    }
  }
}

const queues = new Map<number, ExpiryQueue>();
// Budgets are few in practice (a server timeout, a few per-operation ones); past this many, an
// expiry gets a timer of its own rather than growing the table without bound.
const MAX_QUEUES = 64;

/** Calls `onExpire` after `budgetMs` unless cancelled first, sharing a timer with its length. */
export function expireAfter(budgetMs: number, onExpire: () => void): Expiry {
  let queue = queues.get(budgetMs);
  if (queue === undefined) {
    if (queues.size >= MAX_QUEUES) {
      const timer = setTimeout(onExpire, budgetMs);
      return { cancel: () => clearTimeout(timer) };
    }
    queues.set(budgetMs, queue = new ExpiryQueue(budgetMs));
  }
  return queue.add(onExpire);
}
