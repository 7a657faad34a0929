// The Watcher every adapter hands out. Adapters only differ in how they learn the list (etcd
// stream, Consul blocking query, Nacos polling, in-process callbacks); the delivery contract —
// full list, first at once, then only on change, stop() rejecting a pending next() — lives here
// once so the adapters cannot drift apart.
import { RegistryError, toRegistryError } from "./errors.ts";
import { copyInstance, sameInstances, sortInstances } from "./instance.ts";
import type { ServiceInstance, Watcher } from "./registry.ts";

/** Publishes a new full list to the watcher (ignored when nothing changed). */
export type Publish = (instances: ServiceInstance[]) => void;

/** Learns the list in the background until `signal` aborts; must not return before that. */
export type Producer = (publish: Publish, signal: AbortSignal) => Promise<void>;

interface Waiter {
  resolve(list: ServiceInstance[]): void;
  reject(error: unknown): void;
}

class SnapshotWatcher implements Watcher {
  #list: ServiceInstance[];
  #version = 1;
  #delivered = 0;
  #waiters: Waiter[] = [];
  #failure: RegistryError | undefined;
  readonly #controller = new AbortController();
  #producer: Promise<void> = Promise.resolve();

  constructor(readonly service: string, initial: ServiceInstance[]) {
    this.#list = sortInstances(initial.map(copyInstance));
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  run(producer: Producer): void {
    this.#producer = producer((list) => this.#publish(list), this.signal).then(
      () => {
        if (!this.signal.aborted) this.#fail(new Error("producer returned"));
      },
      (error) => {
        if (!this.signal.aborted) this.#fail(error);
      },
    );
  }

  #publish(instances: ServiceInstance[]): void {
    if (this.#failure) return;
    const list = sortInstances(instances.map(copyInstance));
    if (sameInstances(list, this.#list)) return;
    this.#list = list;
    this.#version++;
    const waiters = this.#waiters.splice(0);
    if (waiters.length > 0) this.#delivered = this.#version;
    for (const w of waiters) w.resolve(this.#list.map(copyInstance));
  }

  // A producer that dies would otherwise leave callers blocked forever on a stale list.
  #fail(error: unknown): void {
    this.#failure = toRegistryError(
      error,
      "unavailable",
      `registry: watcher for ${JSON.stringify(this.service)} failed`,
    );
    this.#controller.abort(this.#failure);
    for (const w of this.#waiters.splice(0)) w.reject(this.#failure);
  }

  next(): Promise<ServiceInstance[]> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#delivered < this.#version) {
      this.#delivered = this.#version;
      return Promise.resolve(this.#list.map(copyInstance));
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  async stop(): Promise<void> {
    if (!this.#failure) {
      this.#failure = new RegistryError(
        "watcher_stopped",
        `registry: watcher for ${JSON.stringify(this.service)} was stopped`,
      );
      this.#controller.abort(this.#failure);
      for (const w of this.#waiters.splice(0)) w.reject(this.#failure);
    }
    await this.#producer;
  }
}

/** The watchers an adapter has running, so closing the adapter can stop them all. */
export class WatcherSet {
  readonly #live = new Set<Watcher>();

  /** Tracks `watcher` until it stops. */
  add(watcher: Watcher): void {
    this.#live.add(watcher);
  }

  /** Forgets `watcher`. */
  delete(watcher: Watcher): void {
    this.#live.delete(watcher);
  }

  /** Stops every live watcher. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#live].map((w) => w.stop()));
  }
}

/**
 * Creates a watcher whose first `next()` returns `initial`, then runs `producer` in the
 * background until the watcher stops (or `signal` aborts, which stops it).
 */
export function startWatcher(
  service: string,
  initial: ServiceInstance[],
  producer: Producer,
  live: WatcherSet,
  signal?: AbortSignal,
): Watcher {
  const watcher = new SnapshotWatcher(service, initial);
  live.add(watcher);
  watcher.signal.addEventListener("abort", () => live.delete(watcher), { once: true });
  watcher.run(producer);
  if (signal) {
    if (signal.aborted) void watcher.stop();
    else signal.addEventListener("abort", () => void watcher.stop(), { once: true });
  }
  return watcher;
}
