// Serving status per service name, tied to a server's lifecycle: everything reports NOT_SERVING
// until the server has started and again from the moment it starts draining, so load balancers
// take the server out of rotation while its in-flight calls still finish.

/** A service's health as `grpc.health.v1` names it (`SERVICE_UNKNOWN` only appears in watches). */
export type ServingStatus = "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";

/** Where a server is in its lifecycle, as far as health is concerned. */
export type HealthPhase = "starting" | "serving" | "draining";

// A watcher that falls this far behind only needs the latest status, not the history.
const MAX_PENDING = 32;

interface Watcher {
  readonly service: string;
  last: ServingStatus | undefined;
  readonly pending: ServingStatus[];
  wake: (() => void) | undefined;
  ended: boolean;
}

/**
 * Health of one server and its services (`""` stands for the server as a whole). The server
 * drives the lifecycle; applications mark single services with `set`.
 *
 * @example
 * ```ts
 * const grpc = createGrpcServer({ services });
 * grpc.health.set("helloworld.v1.Greeter", "NOT_SERVING"); // e.g. while its database is down
 * ```
 */
export class HealthStatus {
  readonly #overrides = new Map<string, "SERVING" | "NOT_SERVING">();
  readonly #known = new Set<string>([""]);
  readonly #watchers = new Set<Watcher>();
  #phase: HealthPhase = "starting";
  // Set once the server drained: a watch that only now starts ends after its first message.
  #closed = false;

  /** Creates the status of a server serving `services` (fully-qualified names). */
  constructor(services: Iterable<string> = []) {
    for (const name of services) this.#known.add(checkName(name));
  }

  /** Lifecycle phase: `starting` (not serving yet), `serving`, or `draining`. */
  get phase(): HealthPhase {
    return this.#phase;
  }

  /** Status of `service` (default `""`, the whole server); `undefined` for an unknown service. */
  get(service = ""): "SERVING" | "NOT_SERVING" | undefined {
    if (!this.#known.has(service)) return undefined;
    if (this.#phase !== "serving") return "NOT_SERVING";
    return this.#overrides.get(service) ?? "SERVING";
  }

  /**
   * Sets the status of `service` (a new name becomes known). While the server is starting or
   * draining every service still reports NOT_SERVING; the value set here applies once it serves.
   */
  set(service: string, status: "SERVING" | "NOT_SERVING"): void {
    checkName(service);
    if (status !== "SERVING" && status !== "NOT_SERVING") {
      throw new TypeError(
        `health: status must be "SERVING" or "NOT_SERVING", got ${JSON.stringify(status)}`,
      );
    }
    this.#update(() => {
      this.#known.add(service);
      this.#overrides.set(service, status);
    });
  }

  /** Every known service with its status. */
  list(): Record<string, "SERVING" | "NOT_SERVING"> {
    const out: Record<string, "SERVING" | "NOT_SERVING"> = {};
    for (const name of this.#known) out[name] = this.get(name)!;
    return out;
  }

  /** Marks the server as serving (called by the server once it accepts calls). */
  markServing(): void {
    this.#closed = false;
    this.#update(() => (this.#phase = "serving"));
  }

  /** Marks the server as draining: NOT_SERVING from now on (called when `stop()` begins). */
  markDraining(): void {
    this.#update(() => (this.#phase = "draining"));
  }

  /** Watches currently open. */
  get watching(): number {
    return this.#watchers.size;
  }

  /**
   * The status of `service` now, then each change, until `signal` aborts or `endWatches()` is
   * called. An unknown service reads `SERVICE_UNKNOWN` until it becomes known.
   */
  watch(service: string, signal?: AbortSignal): AsyncIterable<ServingStatus> {
    checkName(service);
    return {
      [Symbol.asyncIterator]: () => this.#iterate(service, signal),
    };
  }

  /** Ends every open watch (the server has drained; watchers will find it gone). */
  endWatches(): void {
    this.#closed = true;
    for (const w of this.#watchers) this.#end(w);
  }

  #iterate(service: string, signal: AbortSignal | undefined): AsyncIterator<ServingStatus> {
    const w: Watcher = { service, last: undefined, pending: [], wake: undefined, ended: false };
    this.#watchers.add(w);
    this.#push(w);
    const onAbort = () => this.#end(w);
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted || this.#closed) this.#end(w);
    const finish = (): IteratorResult<ServingStatus> => {
      this.#end(w);
      signal?.removeEventListener("abort", onAbort);
      return { done: true, value: undefined };
    };
    return {
      next: async () => {
        for (;;) {
          const next = w.pending.shift();
          if (next !== undefined) return { done: false, value: next };
          if (w.ended) return finish();
          await new Promise<void>((resolve) => (w.wake = resolve));
        }
      },
      return: () => Promise.resolve(finish()),
    };
  }

  #update(change: () => void): void {
    change();
    for (const w of this.#watchers) this.#push(w);
  }

  #push(w: Watcher): void {
    const status = this.get(w.service) ?? "SERVICE_UNKNOWN";
    if (status === w.last || w.ended) return;
    w.last = status;
    w.pending.push(status);
    if (w.pending.length > MAX_PENDING) w.pending.splice(0, w.pending.length - 1);
    this.#wake(w);
  }

  #end(w: Watcher): void {
    w.ended = true;
    this.#watchers.delete(w);
    this.#wake(w);
  }

  #wake(w: Watcher): void {
    const wake = w.wake;
    w.wake = undefined;
    wake?.();
  }
}

function checkName(name: unknown): string {
  if (typeof name !== "string") {
    throw new TypeError(`health: a service name must be a string, got ${typeof name}`);
  }
  return name;
}
