// The Consul adapter: agent registration with Kratos's payload, a TTL check kept passing by the
// heartbeat (re-registering whenever the agent forgot us), and discovery through blocking
// health queries. Unlike Kratos it delivers a drop to zero instances: a watcher that keeps a
// stale list after the last instance left sends traffic to dead addresses.
import { ConsulClient, type ConsulClientOptions, nextIndex } from "../../internal/consul/mod.ts";
import { backendErrors, RegistryError } from "../errors.ts";
import { decodeEach, validateInstance, validateName } from "../instance.ts";
import { keepAlive, KeeperSet } from "../keeper.ts";
import { type AdapterOptions, commonOptions, positiveOption } from "../options.ts";
import { startPollingWatcher } from "../poll.ts";
import type { Catalog, Registry, ServiceInstance, Watcher } from "../registry.ts";
import { WatcherSet } from "../watcher.ts";
import { fromHealthEntry, registration, ttlCheckId } from "./payload.ts";

/** Options of `consul()`. */
export interface ConsulOptions extends AdapterOptions, ConsulClientOptions {
  /** Register a TCP check per endpoint, like Kratos (default true). */
  readonly healthCheck?: boolean;
  /** Register the TTL check `service:<id>` and keep it passing, like Kratos (default true). */
  readonly heartbeat?: boolean;
  /** Check and heartbeat interval in ms (default 10 000); the TTL is twice this. */
  readonly healthCheckIntervalMs?: number;
  /** How long Consul keeps a critical instance before dropping it, in ms (default 600 000). */
  readonly deregisterCriticalServiceAfterMs?: number;
  /** Extra tags after `version=<v>`. */
  readonly tags?: readonly string[];
}

/**
 * A registry on a Consul agent's HTTP API, tested against a real `consul agent -dev` (1.14). An
 * agent that denies by default answers discovery without a `token` with no instances at all.
 */
export function consul(options: ConsulOptions): Registry & Catalog {
  const client = new ConsulClient(options, "consul", backendErrors);
  const interval = positiveOption(
    options.healthCheckIntervalMs,
    10_000,
    "consul",
    "healthCheckIntervalMs",
  );
  const payload = {
    healthCheck: options.healthCheck ?? true,
    heartbeat: options.heartbeat ?? true,
    intervalMs: interval,
    deregisterAfterMs: positiveOption(
      options.deregisterCriticalServiceAfterMs,
      600_000,
      "consul",
      "deregisterCriticalServiceAfterMs",
    ),
    tags: [...(options.tags ?? [])],
  };
  const { retry, emit } = commonOptions(options, "consul");
  const keepers = new KeeperSet();
  const watchers = new WatcherSet();

  const registerOnce = async (instance: ServiceInstance, signal?: AbortSignal) => {
    await client.register(registration(instance, payload), signal);
    if (payload.heartbeat && !await client.pass(ttlCheckId(instance), signal)) {
      throw new RegistryError(
        "bad_response",
        `consul: check ${ttlCheckId(instance)} missing right after registration`,
      );
    }
  };
  const query = async (service: string, index: bigint | undefined, signal?: AbortSignal) => {
    const answer = await client.health(service, index, signal);
    const instances = decodeEach(
      answer.body,
      (entry) => fromHealthEntry(entry, service),
      (error) => emit({ type: "invalid_record", service, error }),
    );
    return { instances, index: answer.index };
  };

  return {
    async register(instance, signal) {
      const valid = validateInstance(instance);
      await keepers.stop(valid.id);
      await registerOnce(valid, signal);
      if (!payload.heartbeat) return;
      await keepers.set(
        valid.id,
        keepAlive({
          instance: valid,
          intervalMs: () => interval,
          beat: (s) => client.pass(ttlCheckId(valid), s),
          register: (s) => registerOnce(valid, s),
          backoff: retry,
          emit,
        }),
      );
    },

    async deregister(instance, signal) {
      const valid = validateInstance(instance);
      await keepers.stop(valid.id);
      await client.deregister(valid.id, signal);
    },

    async getService(name, signal) {
      return (await query(validateName(name, "consul"), undefined, signal)).instances;
    },

    async watch(name, signal): Promise<Watcher> {
      const first = await query(validateName(name, "consul"), undefined, signal);
      let index = first.index;
      return startPollingWatcher(
        first.instances,
        {
          service: name,
          backoff: retry,
          emit,
          async round(s, afterFailure) {
            // After a failure the agent may have restarted with a lower index; a blocking query
            // on our old index would then hang for the whole wait. Start over.
            const answer = await query(name, afterFailure ? undefined : index, s);
            const unchanged = answer.index === index;
            index = nextIndex(index, answer.index);
            // An unchanged index is a timeout or a spurious wake-up: don't hot-loop.
            return { instances: answer.instances, pauseMs: unchanged ? 1_000 : 0 };
          },
        },
        watchers,
        signal,
      );
    },

    async services(signal) {
      return (await client.services(signal)).sort();
    },

    async close() {
      await Promise.all([keepers.stopAll(), watchers.stopAll()]);
    },
  };
}
