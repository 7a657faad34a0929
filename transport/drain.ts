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
}
