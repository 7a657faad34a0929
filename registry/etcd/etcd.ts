// The etcd adapter: Kratos's key layout and record, registered under a lease that a heartbeat
// keeps alive and that is re-created whenever it is lost.
import { RegistryError } from "../errors.ts";
import { encodeInstance, validateInstance, validateName } from "../instance.ts";
import { keepAlive, KeeperSet } from "../keeper.ts";
import { type AdapterOptions, baseUrl, commonOptions, positiveOption } from "../options.ts";
import type { Catalog, Registry, ServiceInstance, Watcher } from "../registry.ts";
import { startWatcher, WatcherSet } from "../watcher.ts";
import { EtcdGateway } from "./gateway.ts";
import { followService, listService, ServiceState } from "./watch.ts";

/**
 * Options of `etcd()` (request bound default 3 000 ms; retry delays never exceed ttl/3, so a
 * returning etcd sees the instance again before its lease could expire).
 */
export interface EtcdOptions extends AdapterOptions {
  /** Gateway URL of one etcd member, e.g. `http://127.0.0.1:2379`. */
  readonly endpoint: string;
  /** Key prefix (default `/microservices`, like Kratos). */
  readonly namespace?: string;
  /** Lease TTL in whole seconds (default 15, like Kratos); heartbeats go out every ttl/3. */
  readonly ttl?: number;
  /** Headers sent with every request, e.g. `{ authorization: token }`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A watch stream silent this long is reopened, in ms (default 120 000). */
  readonly watchIdleMs?: number;
}

/**
 * A registry on etcd's v3 JSON gateway. Keys are `{namespace}/{name}/{id}` and values the JSON
 * Go Kratos writes, byte for byte, so Go and TypeScript services discover each other.
 */
export function etcd(options: EtcdOptions): Registry & Catalog {
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
  const common = commonOptions(options, "etcd", 3_000, options.headers);
  // Capped at ttl/3 so that once etcd is back we re-register before a lease could expire.
  const retry = { ...common.retry, maxMs: Math.min(common.retry.maxMs, heartbeatMs) };
  const gateway = new EtcdGateway(common.client, endpoint);
  const watchIdleMs = positiveOption(options.watchIdleMs, 120_000, "etcd", "watchIdleMs");
  const { emit } = common;
  const leases = new Map<string, { id: string }>();
  const keepers = new KeeperSet();
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
      await keepers.stop(key);
      const lease = { id: await gateway.grant(ttl, signal) };
      await gateway.put(key, value, lease.id, signal);
      // The key now hangs on the new lease, so revoking the old one only drops the old lease.
      const previous = leases.get(key);
      leases.set(key, lease);
      if (previous) await gateway.revoke(previous.id, signal).catch(() => {});
      await keepers.set(
        key,
        keepAlive({
          instance: valid,
          intervalMs: () => heartbeatMs,
          beat: async (s) => await gateway.keepAlive(lease.id, s) > 0,
          register: async (s) => {
            // After an outage the old lease may have survived (etcd persists leases and renews
            // them on restart); re-put anyway so a key deleted meanwhile comes back.
            if (await gateway.keepAlive(lease.id, s) === 0) lease.id = await gateway.grant(ttl, s);
            await gateway.put(key, value, lease.id, s);
          },
          backoff: retry,
          emit,
        }),
      );
    },

    async deregister(instance, signal) {
      const valid = validateInstance(instance);
      const key = keyOf(valid);
      await keepers.stop(key);
      const lease = leases.get(key);
      leases.delete(key);
      await gateway.delete(key, signal);
      if (lease) await gateway.revoke(lease.id, signal);
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

    async services(signal) {
      // Keys are {namespace}/{name}/{id}; anything else under the namespace is not ours.
      const { kvs } = await gateway.range(`${namespace}/`, signal, true);
      const names = new Set<string>();
      for (const { key } of kvs) {
        const parts = key.slice(namespace.length + 1).split("/");
        if (parts.length === 2 && parts[0] !== "" && parts[1] !== "") names.add(parts[0]);
      }
      return [...names].sort();
    },

    async close() {
      leases.clear();
      await Promise.all([keepers.stopAll(), watchers.stopAll()]);
    },
  };
}
