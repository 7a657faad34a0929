// The console's live state: the fleet from the registry, and per instance a health watch and a
// /metrics scraper, started when the instance appears and stopped when it goes. Pages subscribe
// to its events (served as SSE); reflection answers are cached per instance and endpoint.
import type { Catalog, Discovery, ServiceInstance } from "../../../registry/mod.ts";
import type { ClientProtocol } from "../../../transport/client/mod.ts";
import { describe } from "./describe.ts";
import { delay, Fleet, message } from "./fleet.ts";
import { endpointOf, watchHealth } from "./health.ts";
import { pointBetween, read, type Reading } from "./metrics.ts";
import { parseExposition } from "./prometheus.ts";
import {
  type ConsoleEvents,
  type ConsoleInfo,
  type DescribeResult,
  type HealthView,
  instanceKey,
  type MetricsPoint,
  type MetricsView,
  type Snapshot,
} from "./protocol.ts";
import { reflect, type Reflected } from "./reflect.ts";

/** Timing of the hub. */
export interface HubOptions {
  /** How often service names are listed, in ms. */
  readonly servicesIntervalMs: number;
  /** How often /metrics is scraped, in ms. */
  readonly metricsIntervalMs: number;
  /** How often /readyz is polled where it is the only health, in ms. */
  readonly readyzIntervalMs: number;
  /** Bound of each request the console makes on its own (scrapes, probes, reflection), in ms. */
  readonly requestTimeoutMs: number;
  /** Points of history kept per instance. */
  readonly historyPoints: number;
}

/** One event for subscribers. */
export type HubEvent = {
  [K in keyof ConsoleEvents]: { name: K; data: ConsoleEvents[K] };
}[keyof ConsoleEvents];

interface Tracked {
  instance: ServiceInstance;
  readonly controller: AbortController;
  health: HealthView;
  metrics: {
    state: MetricsView["state"];
    url?: string;
    error?: string;
    naming?: string;
    points: MetricsPoint[];
  };
}

/** The live state behind one console. */
export class Hub {
  readonly info: ConsoleInfo;
  readonly #fleet: Fleet;
  readonly #options: HubOptions;
  readonly #tracked = new Map<string, Tracked>();
  readonly #listeners = new Set<(event: HubEvent) => void>();
  readonly #reflections = new Map<string, Promise<Reflected>>();
  readonly #unsubscribe: () => void;

  /** A hub over `discovery`; nothing runs before `start()`. */
  constructor(discovery: Discovery & Catalog, info: ConsoleInfo, options: HubOptions) {
    this.info = info;
    this.#options = options;
    this.#fleet = new Fleet(discovery, { servicesIntervalMs: options.servicesIntervalMs });
    this.#unsubscribe = this.#fleet.subscribe((change) => {
      if (change.type === "registry") {
        this.#emit({
          name: "registry",
          data: change.error === undefined
            ? { ok: change.ok }
            : { ok: change.ok, error: change.error },
        });
      } else if (change.type === "removed") {
        this.#sync(change.service, []);
        this.#emit({ name: "removed", data: { service: change.service } });
      } else {
        this.#sync(change.service, change.instances);
        this.#emit({
          name: "instances",
          data: { service: change.service, instances: change.instances },
        });
      }
    });
  }

  /** Starts following the registry; resolves after the first listing. */
  start(): Promise<void> {
    return this.#fleet.start();
  }

  /** Stops everything. */
  async close(): Promise<void> {
    this.#unsubscribe();
    for (const t of this.#tracked.values()) t.controller.abort();
    this.#tracked.clear();
    await this.#fleet.close();
  }

  /** Everything a new page needs. */
  snapshot(): Snapshot {
    const health: Record<string, HealthView> = {};
    const metrics: Record<string, MetricsView> = {};
    for (const [key, t] of this.#tracked) {
      health[key] = t.health;
      metrics[key] = { ...t.metrics, points: [...t.metrics.points] };
    }
    return {
      info: this.info,
      registry: this.#fleet.registry,
      services: this.#fleet.services(),
      health,
      metrics,
    };
  }

  /** Calls `listener` with every event until the returned function is called. */
  subscribe(listener: (event: HubEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The instance `id` of `service`, if the registry has it. */
  instance(service: string, id: string): ServiceInstance | undefined {
    return this.#fleet.instances(service).find((i) => i.id === id);
  }

  /**
   * Reflection of one instance (cached until the instance goes or `refresh`): over gRPC where
   * it publishes a grpc:// endpoint, else over Connect on its http:// one.
   */
  async reflection(
    instance: ServiceInstance,
    refresh = false,
  ): Promise<{ reflected: Reflected; endpoint: string; protocol: ClientProtocol }> {
    const grpc = endpointOf(instance, ["grpc", "grpcs"]);
    const http = endpointOf(instance, ["http", "https"]);
    const endpoint = grpc ?? http;
    if (endpoint === undefined) {
      throw new Error(`instance ${instance.id} publishes no grpc:// or http:// endpoint`);
    }
    const protocol: ClientProtocol = grpc ? "grpc" : "connect";
    const key = `${instanceKey(instance.name, instance.id)}|${endpoint}`;
    let pending = refresh ? undefined : this.#reflections.get(key);
    if (pending === undefined) {
      pending = reflect(endpoint, protocol, this.#options.requestTimeoutMs);
      this.#reflections.set(key, pending);
      // A failure is not cached: the next page that asks tries again.
      pending.catch(() => this.#reflections.get(key) === pending && this.#reflections.delete(key));
    }
    return { reflected: await pending, endpoint, protocol };
  }

  /** The API view of one instance. */
  async describe(instance: ServiceInstance, refresh = false): Promise<DescribeResult> {
    const { reflected, endpoint } = await this.reflection(instance, refresh);
    return describe(reflected.registry, reflected.services, {
      instance: instance.id,
      endpoint,
      reflection: reflected.version,
    });
  }

  #emit(event: HubEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch {
        // A broken subscriber (a closed stream) must not stop the others.
      }
    }
  }

  // Starts and stops the per-instance work so it matches the registry's list of `service`.
  #sync(service: string, instances: readonly ServiceInstance[]): void {
    const keep = new Set<string>();
    for (const instance of instances) {
      const key = instanceKey(service, instance.id);
      keep.add(key);
      const known = this.#tracked.get(key);
      if (known !== undefined && sameEndpoints(known.instance, instance)) {
        known.instance = instance;
        continue;
      }
      known?.controller.abort();
      this.#track(key, instance);
    }
    for (const [key, t] of this.#tracked) {
      if (t.instance.name === service && !keep.has(key)) {
        t.controller.abort();
        this.#tracked.delete(key);
        for (const k of this.#reflections.keys()) {
          if (k.startsWith(`${key}|`)) this.#reflections.delete(k);
        }
      }
    }
  }

  #track(key: string, instance: ServiceInstance): void {
    const controller = new AbortController();
    const t: Tracked = {
      instance,
      controller,
      health: { status: "CHECKING", via: "none", since: Date.now() },
      metrics: { state: "pending", points: [] },
    };
    this.#tracked.set(key, t);
    const live = () => this.#tracked.get(key) === t && !controller.signal.aborted;
    void watchHealth(
      instance,
      (health) => {
        if (!live()) return;
        t.health = health;
        this.#emit({ name: "health", data: { key, health } });
      },
      this.#options,
      controller.signal,
    );
    void this.#scrape(key, t, live);
  }

  async #scrape(key: string, t: Tracked, live: () => boolean): Promise<void> {
    const http = endpointOf(t.instance, ["http", "https"]);
    const signal = t.controller.signal;
    const set = (
      state: MetricsView["state"],
      extra: { url?: string; error?: string; naming?: string },
      point?: MetricsPoint,
    ) => {
      if (!live()) return;
      const changed = t.metrics.state !== state || t.metrics.error !== extra.error ||
        t.metrics.naming !== extra.naming;
      t.metrics = { ...t.metrics, state, ...extra };
      if (extra.error === undefined) delete t.metrics.error;
      if (point !== undefined) {
        t.metrics.points.push(point);
        if (t.metrics.points.length > this.#options.historyPoints) t.metrics.points.shift();
      }
      if (changed || point !== undefined) {
        this.#emit({
          name: "metrics",
          data: { key, state, ...extra, ...(point ? { point } : {}) },
        });
      }
    };
    if (http === undefined) {
      set("absent", { error: "no http:// endpoint to scrape" });
      return;
    }
    const url = `${http.replace(/\/+$/, "")}/metrics`;
    let before: Reading | undefined;
    while (!signal.aborted) {
      let wait = this.#options.metricsIntervalMs;
      try {
        const res = await fetch(url, {
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.#options.requestTimeoutMs)]),
          headers: { accept: "text/plain;version=0.0.4" },
        });
        const text = await res.text();
        if (res.status === 404) {
          before = undefined;
          set("absent", { url, error: "GET /metrics answered 404" });
          // Looked for again now and then: metrics may be turned on by a restart.
          wait = Math.max(wait, 15_000);
        } else if (!res.ok) {
          set("error", { url, error: `GET /metrics answered ${res.status}` });
        } else {
          const now = read(parseExposition(text), Date.now());
          const point = pointBetween(before, now);
          before = now;
          set("ok", now.naming === undefined ? { url } : { url, naming: now.naming }, point);
        }
      } catch (error) {
        if (signal.aborted) break;
        set("error", { url, error: message(error) });
      }
      await delay(wait, signal);
    }
  }
}

function sameEndpoints(a: ServiceInstance, b: ServiceInstance): boolean {
  return a.endpoints.length === b.endpoints.length &&
    a.endpoints.every((e, i) => e === b.endpoints[i]);
}
