// The fleet as the registry tells it: service names listed every `servicesIntervalMs` (the
// registry contracts have no watch of names), and each service's instances followed by the
// registry's own watch, so an instance that comes or goes is known as soon as the registry
// says. Listeners get every change; a registry outage keeps the last lists, as clients do.
import type { Catalog, Discovery, ServiceInstance, Watcher } from "../../../registry/mod.ts";

/** A change to the fleet. */
export type FleetChange =
  | { readonly type: "instances"; readonly service: string; readonly instances: ServiceInstance[] }
  | { readonly type: "removed"; readonly service: string }
  | { readonly type: "registry"; readonly ok: boolean; readonly error?: string };

/** Options of {@linkcode Fleet}. */
export interface FleetOptions {
  /** How often service names are listed, in ms. */
  readonly servicesIntervalMs: number;
}

interface Followed {
  instances: ServiceInstance[];
  readonly watcher: Promise<Watcher | undefined>;
  readonly controller: AbortController;
}

/** Follows every service of a registry. */
export class Fleet {
  readonly #discovery: Discovery & Catalog;
  readonly #options: FleetOptions;
  readonly #services = new Map<string, Followed>();
  readonly #listeners = new Set<(change: FleetChange) => void>();
  readonly #controller = new AbortController();
  #registry: { ok: boolean; error?: string } = { ok: true };
  #loop: Promise<void> | undefined;
  #firstList: Promise<void>;
  #listed!: () => void;

  /** Follows `discovery` once `start()` is called. */
  constructor(discovery: Discovery & Catalog, options: FleetOptions) {
    this.#discovery = discovery;
    this.#options = options;
    this.#firstList = new Promise((resolve) => this.#listed = resolve);
  }

  /** Starts listing; resolves after the first listing (or its failure). */
  start(): Promise<void> {
    this.#loop ??= this.#run();
    return this.#firstList;
  }

  /** Every service with its current instances, sorted by name. */
  services(): { name: string; instances: ServiceInstance[] }[] {
    return [...this.#services].map(([name, s]) => ({ name, instances: s.instances }))
      .sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  }

  /** The instances of `service` (empty when unknown). */
  instances(service: string): ServiceInstance[] {
    return this.#services.get(service)?.instances ?? [];
  }

  /** The registry connection. */
  get registry(): { ok: boolean; error?: string } {
    return this.#registry;
  }

  /** Calls `listener` on every change until the returned function is called. */
  subscribe(listener: (change: FleetChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops listing and every watch. */
  async close(): Promise<void> {
    this.#controller.abort();
    const watchers = [...this.#services.values()].map((s) => this.#unfollow(s));
    this.#services.clear();
    await Promise.all([this.#loop, ...watchers]);
  }

  #emit(change: FleetChange): void {
    for (const listener of [...this.#listeners]) listener(change);
  }

  #setRegistry(ok: boolean, error?: string): void {
    if (this.#registry.ok === ok && this.#registry.error === error) return;
    this.#registry = error === undefined ? { ok } : { ok, error };
    this.#emit({ type: "registry", ...this.#registry });
  }

  async #run(): Promise<void> {
    const signal = this.#controller.signal;
    while (!signal.aborted) {
      try {
        const names = await this.#discovery.services(signal);
        this.#setRegistry(true);
        const listed = new Set(names);
        await Promise.all(names.filter((n) => !this.#services.has(n)).map((n) => this.#follow(n)));
        for (const [name, followed] of this.#services) {
          // A name the registry dropped goes once its watch agrees that nothing is left.
          if (!listed.has(name) && followed.instances.length === 0) {
            this.#services.delete(name);
            void this.#unfollow(followed);
            this.#emit({ type: "removed", service: name });
          }
        }
      } catch (error) {
        if (signal.aborted) break;
        this.#setRegistry(false, message(error));
      }
      this.#listed();
      await delay(this.#options.servicesIntervalMs, signal);
    }
  }

  async #follow(name: string): Promise<void> {
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal, this.#controller.signal]);
    const watcher = this.#discovery.watch(name, signal).catch((error) => {
      this.#setRegistry(false, message(error));
      return undefined;
    });
    const followed: Followed = { instances: [], watcher, controller };
    this.#services.set(name, followed);
    const w = await watcher;
    if (w === undefined) {
      // Try again at the next listing.
      if (this.#services.get(name) === followed) this.#services.delete(name);
      return;
    }
    const first = await w.next().catch(() => undefined);
    if (first === undefined) return;
    followed.instances = first;
    this.#emit({ type: "instances", service: name, instances: first });
    void (async () => {
      while (!signal.aborted) {
        const list = await w.next().catch(() => undefined);
        if (list === undefined) return;
        followed.instances = list;
        this.#emit({ type: "instances", service: name, instances: list });
      }
    })();
  }

  async #unfollow(followed: Followed): Promise<void> {
    followed.controller.abort();
    const w = await followed.watcher;
    await w?.stop().catch(() => {});
  }
}

/** The message of an error, for display. */
export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
