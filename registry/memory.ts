// The in-process registry: the default for tests and single-process deployments. The same
// object is the Registrar and the Discovery, so pass one `memory()` to both sides.
import { RegistryError } from "./errors.ts";
import { copyInstance, validateInstance, validateName } from "./instance.ts";
import type { Catalog, Registry, ServiceInstance } from "./registry.ts";
import { type Producer, type Publish, startWatcher, WatcherSet } from "./watcher.ts";

/** An in-process registry. */
export interface MemoryRegistry extends Registry, Catalog {
  /** Every registered instance of every service (a copy). */
  all(): ServiceInstance[];
}

/** Creates an empty in-process registry. */
export function memory(): MemoryRegistry {
  const services = new Map<string, Map<string, ServiceInstance>>();
  const subscribers = new Map<string, Set<Publish>>();
  const watchers = new WatcherSet();
  let closed = false;

  const list = (name: string) => [...(services.get(name)?.values() ?? [])].map(copyInstance);
  const notify = (name: string) => {
    for (const publish of subscribers.get(name) ?? []) publish(list(name));
  };
  const checkOpen = () => {
    if (closed) throw new RegistryError("closed", "memory registry: closed");
  };

  const subscribe = (name: string): Producer => (publish, stopped) => {
    let set = subscribers.get(name);
    if (!set) subscribers.set(name, set = new Set());
    set.add(publish);
    return new Promise<void>((resolve) => {
      stopped.addEventListener("abort", () => {
        set.delete(publish);
        resolve();
      }, { once: true });
    });
  };

  return {
    register: (instance) =>
      settle(() => {
        checkOpen();
        const valid = validateInstance(instance);
        let byId = services.get(valid.name);
        if (!byId) services.set(valid.name, byId = new Map());
        byId.set(valid.id, valid);
        notify(valid.name);
      }),
    deregister: (instance) =>
      settle(() => {
        checkOpen();
        const valid = validateInstance(instance);
        if (services.get(valid.name)?.delete(valid.id)) notify(valid.name);
      }),
    getService: (name) =>
      settle(() => {
        checkOpen();
        return list(validateName(name, "memory registry"));
      }),
    watch: (name, signal) =>
      settle(() => {
        checkOpen();
        validateName(name, "memory registry");
        return startWatcher(name, list(name), subscribe(name), watchers, signal);
      }),
    services: () =>
      settle(() => {
        checkOpen();
        return [...services].filter(([, byId]) => byId.size > 0).map(([name]) => name).sort();
      }),
    all() {
      return [...services.values()].flatMap((byId) => [...byId.values()].map(copyInstance));
    },
    async close() {
      closed = true;
      await watchers.stopAll();
    },
  };
}

// Bad input and a closed registry must reject, like the network adapters, not throw.
function settle<T>(fn: () => T): Promise<T> {
  return new Promise((resolve) => resolve(fn()));
}
