// The Consul adapter: agent registration with Kratos's payload, a TTL check kept passing by the
// heartbeat (re-registering whenever the agent forgot us), and discovery through blocking
// health queries. Unlike Kratos it delivers a drop to zero instances: a watcher that keeps a
// stale list after the last instance left sends traffic to dead addresses.
import { RegistryError } from "../errors.ts";
import { decodeEach, validateInstance, validateName } from "../instance.ts";
import { call, json } from "../http.ts";
import { keepAlive, KeeperSet } from "../keeper.ts";
import { type AdapterOptions, baseUrl, commonOptions, positiveOption } from "../options.ts";
import { startPollingWatcher } from "../poll.ts";
import type { Catalog, Registry, ServiceInstance, Watcher } from "../registry.ts";
import { WatcherSet } from "../watcher.ts";
import { fromHealthEntry, registration, ttlCheckId } from "./payload.ts";

/** Options of `consul()` (request bound default 10 000 ms). */
export interface ConsulOptions extends AdapterOptions {
  /** HTTP address of the local Consul agent, e.g. `http://127.0.0.1:8500`. */
  readonly address: string;
  /** ACL token, sent as `X-Consul-Token`. */
  readonly token?: string;
  /** Datacenter to query (default: the agent's). */
  readonly datacenter?: string;
  /** Register a TCP check per endpoint, like Kratos (default true). */
  readonly healthCheck?: boolean;
  /** Register the TTL check `service:<id>` and keep it passing, like Kratos (default true). */
  readonly heartbeat?: boolean;
  /** Check and heartbeat interval in seconds (default 10); the TTL is twice this. */
  readonly healthCheckInterval?: number;
  /** Seconds after which Consul drops a critical instance (default 600). */
  readonly deregisterCriticalServiceAfter?: number;
  /** Extra tags after `version=<v>`. */
  readonly tags?: readonly string[];
  /** Blocking query wait in seconds (default 55, like Kratos). */
  readonly waitSeconds?: number;
}

/**
 * A registry on a Consul agent's HTTP API, tested against a real `consul agent -dev` (1.14). An
 * agent that denies by default answers discovery without a `token` with no instances at all.
 */
export function consul(options: ConsulOptions): Registry & Catalog {
  const base = baseUrl(options?.address, "consul", "address");
  const interval = positiveOption(options.healthCheckInterval, 10, "consul", "healthCheckInterval");
  const payload = {
    healthCheck: options.healthCheck ?? true,
    heartbeat: options.heartbeat ?? true,
    intervalSeconds: interval,
    deregisterAfterSeconds: positiveOption(
      options.deregisterCriticalServiceAfter,
      600,
      "consul",
      "deregisterCriticalServiceAfter",
    ),
    tags: [...(options.tags ?? [])],
  };
  const wait = positiveOption(options.waitSeconds, 55, "consul", "waitSeconds");
  const { client, retry, emit } = commonOptions(
    options,
    "consul",
    10_000,
    options.token ? { "x-consul-token": options.token } : undefined,
  );
  const keepers = new KeeperSet();
  const watchers = new WatcherSet();
  const dc = options.datacenter ? `&dc=${encodeURIComponent(options.datacenter)}` : "";
  const id = (i: ServiceInstance) => encodeURIComponent(i.id);

  const put = async (instance: ServiceInstance, signal?: AbortSignal) => {
    await call(client, "consul register", `${base}/v1/agent/service/register`, {
      method: "PUT",
      body: registration(instance, payload),
      headers: { "content-type": "application/json" },
      signal,
    });
  };
  // false when the agent does not know the check (restarted, or reaped us): re-register.
  const pass = async (instance: ServiceInstance, signal?: AbortSignal) => {
    const check = encodeURIComponent(ttlCheckId(instance));
    const result = await call(
      client,
      "consul check update",
      `${base}/v1/agent/check/update/${check}`,
      {
        method: "PUT",
        body: JSON.stringify({ Status: "passing", Output: "pass" }),
        headers: { "content-type": "application/json" },
        signal,
        accept: [404],
      },
    );
    return result.status !== 404;
  };
  const registerOnce = async (instance: ServiceInstance, signal?: AbortSignal) => {
    await put(instance, signal);
    if (payload.heartbeat && !await pass(instance, signal)) {
      throw new RegistryError(
        "bad_response",
        `consul: check ${ttlCheckId(instance)} missing right after registration`,
      );
    }
  };
  const query = async (service: string, index: string | undefined, signal?: AbortSignal) => {
    const blocking = index === undefined ? "" : `&index=${index}&wait=${wait}s`;
    const what = `consul health ${service}`;
    const result = await call(
      client,
      what,
      `${base}/v1/health/service/${encodeURIComponent(service)}?passing=1${dc}${blocking}`,
      {
        signal,
        // Consul may hold the answer up to wait + wait/16 before replying.
        timeoutMs: index === undefined ? undefined : wait * 1000 * 17 / 16 + client.timeoutMs,
      },
    );
    const body = json(result, what);
    if (!Array.isArray(body)) {
      throw new RegistryError("bad_response", `${what}: expected a JSON array`);
    }
    const instances = decodeEach(
      body,
      (entry) => fromHealthEntry(entry, service),
      (error) => emit({ type: "invalid_record", service, error }),
    );
    return { instances, index: result.headers.get("x-consul-index") ?? "0" };
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
          intervalMs: () => interval * 1000,
          beat: (s) => pass(valid, s),
          register: (s) => registerOnce(valid, s),
          backoff: retry,
          emit,
        }),
      );
    },

    async deregister(instance, signal) {
      const valid = validateInstance(instance);
      await keepers.stop(valid.id);
      await call(client, "consul deregister", `${base}/v1/agent/service/deregister/${id(valid)}`, {
        method: "PUT",
        signal,
        accept: [404],
      });
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
            const previous = BigInt(index);
            const current = BigInt(/^\d+$/.test(answer.index) ? answer.index : "0");
            // Indexes can go backwards (restore, restart): reset as Consul's docs say.
            index = current < previous ? "0" : String(current);
            // An unchanged index is a timeout or a spurious wake-up: don't hot-loop.
            return { instances: answer.instances, pauseMs: current === previous ? 1_000 : 0 };
          },
        },
        watchers,
        signal,
      );
    },

    async services(signal) {
      const what = "consul catalog services";
      const result = await call(client, what, `${base}/v1/catalog/services?${dc.slice(1)}`, {
        signal,
      });
      const body = json(result, what);
      if (body === null || typeof body !== "object" || Array.isArray(body)) {
        throw new RegistryError("bad_response", `${what}: expected a JSON object`);
      }
      // "consul" is the agent's own service, not one of the fleet's.
      return Object.keys(body).filter((name) => name !== "consul").sort();
    },

    async close() {
      await Promise.all([keepers.stopAll(), watchers.stopAll()]);
    },
  };
}
