// The etcd adapter: Kratos's key layout and record, registered under a lease that a heartbeat
// keeps alive and that is re-created whenever it is lost.
import { EtcdClient, type EtcdClientOptions } from "../../internal/etcd/mod.ts";
import { InvalidOptionError } from "../../internal/options.ts";
import { backendErrors } from "../errors.ts";
import { encodeInstance, validateInstance, validateName } from "../instance.ts";
import { keepAlive, KeeperSet } from "../keeper.ts";
import { type AdapterOptions, commonOptions, positiveOption } from "../options.ts";
import type { Catalog, Registry, ServiceInstance, Watcher } from "../registry.ts";
import { startWatcher, WatcherSet } from "../watcher.ts";
import { followService, listService, ServiceState } from "./watch.ts";

/**
 * Options of `etcd()` (request bound default 3 000 ms; retry delays never exceed ttlMs/3, so a
 * returning etcd sees the instance again before its lease could expire).
 */
export interface EtcdOptions extends AdapterOptions, EtcdClientOptions {
  /** Key prefix (default `/microservices`, like Kratos). */
  readonly namespace?: string;
  /**
   * Lease TTL in ms, whole seconds as etcd grants them (default 15 000, like Kratos);
   * heartbeats go out every ttlMs/3.
   */
  readonly ttlMs?: number;
}

/**
 * A registry on etcd's v3 JSON gateway. Keys are `{namespace}/{name}/{id}` and values the JSON
 * Go Kratos writes, byte for byte, so Go and TypeScript services discover each other.
 */
export function etcd(options: EtcdOptions): Registry & Catalog {
  const client = new EtcdClient(options, "etcd", {
    timeoutMs: 3_000,
    idleTimeoutMs: 120_000,
    error: backendErrors,
  });
  const namespace = (options.namespace ?? "/microservices").replace(/\/+$/, "");
  if (!namespace.startsWith("/")) {
    throw new InvalidOptionError(
      "etcd",
      "namespace",
      'a key prefix starting with "/"',
      options.namespace,
    );
  }
  const ttlMs = positiveOption(options.ttlMs, 15_000, "etcd", "ttlMs");
  if (!Number.isInteger(ttlMs / 1000)) {
    throw new InvalidOptionError("etcd", "ttlMs", "whole seconds (a multiple of 1000)", ttlMs);
  }
  const ttl = ttlMs / 1000;
  const heartbeatMs = ttlMs / 3;
  const common = commonOptions(options, "etcd");
  // Capped at ttlMs/3 so that once etcd is back we re-register before a lease could expire.
  const retry = { ...common.retry, maxMs: Math.min(common.retry.maxMs, heartbeatMs) };
  const { emit } = common;
  const leases = new Map<string, { id: string }>();
  const keepers = new KeeperSet();
  const watchers = new WatcherSet();
  const keyOf = (i: ServiceInstance) => `${namespace}/${i.name}/${i.id}`;
  const stateFor = (service: string) =>
    new ServiceState({
      client,
      service,
      prefix: `${namespace}/${service}/`,
      backoff: retry,
      emit,
    });

  return {
    async register(instance, signal) {
      const valid = validateInstance(instance);
      const key = keyOf(valid);
      const value = encodeInstance(valid);
      await keepers.stop(key);
      const lease = { id: await client.grant(ttl, signal) };
      await client.put(key, value, lease.id, signal);
      // The key now hangs on the new lease, so revoking the old one only drops the old lease.
      const previous = leases.get(key);
      leases.set(key, lease);
      if (previous) await client.revoke(previous.id, signal).catch(() => {});
      await keepers.set(
        key,
        keepAlive({
          instance: valid,
          intervalMs: () => heartbeatMs,
          beat: async (s) => await client.keepAlive(lease.id, s) > 0,
          register: async (s) => {
            // After an outage the old lease may have survived (etcd persists leases and renews
            // them on restart); re-put anyway so a key deleted meanwhile comes back.
            if (await client.keepAlive(lease.id, s) === 0) lease.id = await client.grant(ttl, s);
            await client.put(key, value, lease.id, s);
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
      await client.delete(key, signal);
      if (lease) await client.revoke(lease.id, signal);
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
      const { kvs } = await client.range({ key: `${namespace}/`, prefix: true }, signal, true);
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
