// Counts in-flight calls so a server can stop gracefully: refuse new work, wait for the calls
// it already accepted (including response streams still being written), then close.

/** Tracks in-flight calls of one server. */
export class InFlight {
  #count = 0;
  #draining = false;
  #idle: (() => void)[] = [];

  /** Calls currently running. */
  get count(): number {
    return this.#count;
  }

  /** Whether the server stopped accepting new calls. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Starts refusing new calls. */
  drain(): void {
    this.#draining = true;
  }

  /** Records a call's start. */
  enter(): void {
    this.#count++;
  }

  /** Records a call's end. */
  leave(): void {
    if (--this.#count === 0) {
      const waiters = this.#idle;
      this.#idle = [];
      for (const w of waiters) w();
    }
  }

  /** Resolves once no call is in flight. */
  idle(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Wraps a response body so the call counts as in flight until the body is fully written. */
  track<T>(body: AsyncIterable<T>): AsyncIterable<T> {
    // deno-lint-ignore no-this-alias
    const self = this;
    return {
      [Symbol.asyncIterator](): AsyncIterator<T> {
        const it = body[Symbol.asyncIterator]();
        let open = true;
        const finish = () => {
          if (open) {
            open = false;
            self.leave();
          }
        };
        return {
          async next() {
            try {
              const r = await it.next();
              if (r.done === true) finish();
              return r;
            } catch (e) {
              finish();
              throw e;
            }
          },
          async return(v?: unknown) {
            finish();
            return await (it.return?.(v) ?? { done: true, value: v as T });
          },
          async throw(e?: unknown) {
            finish();
            if (it.throw) return await it.throw(e);
            throw e;
          },
        };
      },
    };
  }
}
