// The page's copy of the console's state, kept current by /api/events (SSE, pushed by the
// server; EventSource reconnects by itself), and the route in the URL's hash.
import type {
  ConsoleEvents,
  ConsoleInfo,
  HealthView,
  InstanceView,
  MetricsPoint,
  MetricsView,
  RegistryState,
  Snapshot,
} from "../protocol.ts";

/** What changed, so views redraw only what they show. */
export type Change = "all" | "services" | "health" | "metrics" | "registry" | "connection";

/** The page's state. */
export class State {
  info: ConsoleInfo | undefined;
  registry: RegistryState = { ok: true };
  connected = false;
  readonly services = new Map<string, InstanceView[]>();
  readonly health = new Map<string, HealthView>();
  readonly metrics = new Map<string, MetricsView & { points: MetricsPoint[] }>();
  readonly #listeners = new Set<(change: Change, detail?: string) => void>();

  /** Calls `f` after every change. */
  onChange(f: (change: Change, detail?: string) => void): void {
    this.#listeners.add(f);
  }

  #changed(change: Change, detail?: string): void {
    for (const f of this.#listeners) f(change, detail);
  }

  /** Opens the event stream. */
  connect(url = "/api/events"): EventSource {
    const source = new EventSource(url);
    const on = <K extends keyof ConsoleEvents>(name: K, f: (data: ConsoleEvents[K]) => void) =>
      source.addEventListener(name, (e) => f(JSON.parse((e as MessageEvent).data)));
    source.addEventListener("open", () => {
      this.connected = true;
      this.#changed("connection");
    });
    source.addEventListener("error", () => {
      this.connected = false;
      this.#changed("connection");
    });
    on("snapshot", (s) => this.#snapshot(s));
    on("instances", ({ service, instances }) => {
      this.services.set(service, instances);
      this.#changed("services", service);
    });
    on("removed", ({ service }) => {
      this.services.delete(service);
      this.#changed("services", service);
    });
    on("health", ({ key, health }) => {
      this.health.set(key, health);
      this.#changed("health", key);
    });
    on("metrics", ({ key, point, ...rest }) => {
      const known = this.metrics.get(key) ?? { state: rest.state, points: [] };
      const next = { ...known, ...rest, points: known.points };
      if (point !== undefined) {
        next.points.push(point);
        if (next.points.length > 90) next.points.shift();
      }
      this.metrics.set(key, next);
      this.#changed("metrics", key);
    });
    on("registry", (r) => {
      this.registry = r;
      this.#changed("registry");
    });
    return source;
  }

  #snapshot(s: Snapshot): void {
    this.info = s.info;
    this.registry = s.registry;
    this.connected = true;
    this.services.clear();
    for (const { name, instances } of s.services) this.services.set(name, instances);
    this.health.clear();
    for (const [k, v] of Object.entries(s.health)) this.health.set(k, v);
    this.metrics.clear();
    for (const [k, v] of Object.entries(s.metrics)) {
      this.metrics.set(k, { ...v, points: [...v.points] });
    }
    this.#changed("all");
  }
}

/** The tabs of a service. */
export const TABS = ["instances", "api", "try", "metrics"] as const;
/** One of {@linkcode TABS}. */
export type Tab = typeof TABS[number];

/** Where the page is: `#/<service>/<tab>[/<method>]`. */
export interface Route {
  /** The selected service. */
  readonly service?: string;
  /** The tab. */
  readonly tab: Tab;
  /** A method path to preselect in "try". */
  readonly method?: string;
}

/** Reads the route from `location.hash`. */
export function readRoute(): Route {
  const [service, tab, ...method] = location.hash.replace(/^#\/?/, "").split("/").map(
    decodeURIComponent,
  );
  return {
    service: service || undefined,
    tab: (TABS as readonly string[]).includes(tab) ? tab as Tab : "instances",
    method: method.length ? "/" + method.join("/") : undefined,
  };
}

/** The hash of a route. */
export function routeHash(route: Route): string {
  if (route.service === undefined) return "#/";
  const method = route.method ? `/${route.method.replace(/^\//, "")}` : "";
  return `#/${encodeURIComponent(route.service)}/${route.tab}${method}`;
}
