// The etcd adapter: Kratos's key layout and record, registered under a lease that a heartbeat
// keeps alive and that is re-created whenever it is lost.
import { RegistryError } from "../errors.ts";
import { encodeInstance, validateInstance, validateName } from "../instance.ts";
import { keepAlive, type Keeper } from "../keeper.ts";
import { baseUrl, emitter, positiveOption } from "../options.ts";
import type {
  FetchLike,
  Registry,
  RegistryEventHandler,
  ServiceInstance,
  Watcher,
} from "../registry.ts";
import { startWatcher, WatcherSet } from "../watcher.ts";
import { EtcdGateway } from "./gateway.ts";
import { followService, listService, ServiceState } from "./watch.ts";

/** Options of `etcd()`. */
export interface EtcdOptions {
  /** Gateway URL of one etcd member, e.g. `http://127.0.0.1:2379`. */
  readonly endpoint: string;
  /** Key prefix (default `/microservices`, like Kratos). */
  readonly namespace?: string;
  /** Lease TTL in whole seconds (default 15, like Kratos); heartbeats go out every ttl/3. */
  readonly ttl?: number;
  /** The fetch to use (default `globalThis.fetch`). */
  readonly fetch?: FetchLike;
  /** Headers sent with every request, e.g. `{ authorization: token }`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Bound on each request in ms (default 3 000). */
  readonly timeoutMs?: number;
  /** A watch stream silent this long is reopened, in ms (default 120 000). */
  readonly watchIdleMs?: number;
  /** First retry delay in ms after a failure (default 500). */
  readonly retryInitialMs?: number;
  /** Largest retry delay in ms (default 10 000, and never more than ttl/3). */
  readonly retryMaxMs?: number;
  /** Receives background events (default: failures go to `console.warn`). */
  readonly onEvent?: RegistryEventHandler;
}

interface Registration {
  lease: string;
  keeper?: Keeper;
}

/**
 * A registry on etcd's v3 JSON gateway. Keys are `{namespace}/{name}/{id}` and values the JSON
 * Go Kratos writes, byte for byte, so Go and TypeScript services discover each other.
 */
export function etcd(options: EtcdOptions): Registry {
  const endpoint = baseUrl(options?.endpoint, "etcd", "endpoint");
  const namespace = (options.namespace ?? "/microservices").replace(/\/+$/, "");
  if (!namespace.startsWith("/")) {
    throw new RegistryError(
      "invalid_option",
      `etcd: namespace must start with "/", got ${JSON.stringify(options.namespace)}`,
    );
  }
  const ttl = positiveOption(options.ttl, 15, "etcd", "ttl");
  if (!Number.isInteger(ttl)) {
    throw new RegistryError("invalid_option", `etcd: ttl must be whole seconds, got ${ttl}`);
  }
  const heartbeatMs = (ttl * 1000) / 3;
  const retry = {
    initialMs: positiveOption(options.retryInitialMs, 500, "etcd", "retryInitialMs"),
    // Capped at ttl/3 so that once etcd is back we re-register before a lease could expire.
    maxMs: Math.min(positiveOption(options.retryMaxMs, 10_000, "etcd", "retryMaxMs"), heartbeatMs),
  };
  const gateway = new EtcdGateway({
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    timeoutMs: positiveOption(options.timeoutMs, 3_000, "etcd", "timeoutMs"),
    headers: options.headers,
  }, endpoint);
  const watchIdleMs = positiveOption(options.watchIdleMs, 120_000, "etcd", "watchIdleMs");
  const emit = emitter(options.onEvent);
  const registrations = new Map<string, Registration>();
  const watchers = new WatcherSet();
  const keyOf = (i: ServiceInstance) => `${namespace}/${i.name}/${i.id}`;
  const stateFor = (service: string) =>
    new ServiceState({
      gateway,
      service,
      prefix: `${namespace}/${service}/`,
      idleMs: watchIdleMs,
      backoff: retry,
      emit,
    });

  return {
    async register(instance, signal) {
      const valid = validateInstance(instance);
      const key = keyOf(valid);
      const value = encodeInstance(valid);
      const previous = registrations.get(key);
      registrations.delete(key);
      await previous?.keeper?.stop();
      const registration: Registration = { lease: await gateway.grant(ttl, signal) };
      await gateway.put(key, value, registration.lease, signal);
      if (previous) await gateway.revoke(previous.lease, signal).catch(() => {});
      registration.keeper = keepAlive({
        instance: valid,
        intervalMs: () => heartbeatMs,
        beat: async (s) => await gateway.keepAlive(registration.lease, s) > 0,
        register: async (s) => {
          // After an outage the old lease may have survived (etcd persists leases and renews
          // them on restart); re-put anyway so a key deleted meanwhile comes back.
          if (await gateway.keepAlive(registration.lease, s) === 0) {
            registration.lease = await gateway.grant(ttl, s);
          }
          await gateway.put(key, value, registration.lease, s);
        },
        backoff: retry,
        emit,
      });
      registrations.set(key, registration);
    },

    async deregister(instance, signal) {
      const valid = validateInstance(instance);
      const key = keyOf(valid);
      const registration = registrations.get(key);
      registrations.delete(key);
      await registration?.keeper?.stop();
      await gateway.delete(key, signal);
      if (registration) await gateway.revoke(registration.lease, signal);
    },

    async getService(name, signal) {
      return await listService(stateFor(validateName(name, "etcd")), signal);
    },

    async watch(name, signal): Promise<Watcher> {
      const state = stateFor(validateName(name, "etcd"));
      const initial = await listService(state, signal);
      return startWatcher(
        name,
        initial,
        (publish, stopped) => followService(state, publish, stopped),
        watchers,
        signal,
      );
    },

    async close() {
      const all = [...registrations.values()];
      registrations.clear();
      await Promise.all([...all.map((r) => r.keeper?.stop()), watchers.stopAll()]);
    },
  };
}
