// The Nacos adapter over the v1 open API (served by Nacos 1.x and 2.x). Naming follows Kratos
// so Go and TS clients agree: one Nacos instance per endpoint, in the service `<name>.<scheme>`,
// with metadata `kind` (the scheme) and `version`; clients discover `helloworld.grpc`. Nacos does
// not keep the Kratos instance id: discovered ids are Nacos instance ids.
import {
  deregisterInstance,
  type InstanceBody,
  type InstanceKey,
  listInstances,
  listServices,
  NacosClient,
  type NacosClientOptions,
  registerInstance,
  sendBeat,
} from "../../internal/nacos/mod.ts";
import { backendErrors, RegistryError } from "../errors.ts";
import {
  decodeEach,
  parseEndpoint,
  recordToInstance,
  validateInstance,
  validateName,
} from "../instance.ts";
import { keepAlive, KeeperSet } from "../keeper.ts";
import { type AdapterOptions, commonOptions, positiveOption } from "../options.ts";
import { startPollingWatcher } from "../poll.ts";
import type { Catalog, Registry, ServiceInstance, Watcher } from "../registry.ts";
import { WatcherSet } from "../watcher.ts";

/** Options of `nacos()` (request bound default 5 000 ms). */
export interface NacosOptions extends AdapterOptions, NacosClientOptions {
  /** Group (default `DEFAULT_GROUP`, like Kratos). */
  readonly group?: string;
  /** Cluster (default `DEFAULT`, like Kratos). */
  readonly cluster?: string;
  /** Weight when the instance's metadata has no `weight` (default 100, like Kratos). */
  readonly weight?: number;
  /** Scheme assumed for instances without metadata `kind` (default `grpc`, like Kratos). */
  readonly defaultKind?: string;
  /** Heartbeat interval in ms until the server states its own (default 5 000). */
  readonly beatIntervalMs?: number;
  /** How often a watcher re-lists, in ms (default 5 000). */
  readonly pollIntervalMs?: number;
}

/** One Nacos instance derived from one endpoint of a ServiceInstance. */
interface NacosInstance {
  readonly key: InstanceKey;
  readonly body: InstanceBody;
}

/**
 * A registry on Nacos's v1 HTTP open API. Tested against a stateful fake that follows the
 * documented API, not a real Nacos (none can run in the project's test environment).
 */
export function nacos(options: NacosOptions): Registry & Catalog {
  const client = new NacosClient(options, "nacos", { timeoutMs: 5_000, error: backendErrors });
  const group = options.group ?? "DEFAULT_GROUP";
  const cluster = options.cluster ?? "DEFAULT";
  const defaultWeight = positiveOption(options.weight, 100, "nacos", "weight");
  const defaultKind = options.defaultKind ?? "grpc";
  let beatMs = positiveOption(options.beatIntervalMs, 5_000, "nacos", "beatIntervalMs");
  const pollMs = positiveOption(options.pollIntervalMs, 5_000, "nacos", "pollIntervalMs");
  const { retry, emit } = commonOptions(options, "nacos");
  const keepers = new KeeperSet();
  const watchers = new WatcherSet();

  const split = (instance: ServiceInstance): NacosInstance[] => {
    const raw = instance.metadata.weight;
    const weight = raw !== undefined && Number(raw) > 0 ? Number(raw) : defaultWeight;
    return instance.endpoints.map((endpoint) => {
      const parts = parseEndpoint(endpoint)!;
      if (parts.port === 0) {
        throw new RegistryError(
          "invalid_instance",
          `nacos: endpoint ${JSON.stringify(endpoint)} needs a port`,
        );
      }
      return {
        key: {
          serviceName: `${instance.name}.${parts.scheme}`,
          groupName: group,
          clusterName: cluster,
          ip: parts.host,
          port: parts.port,
        },
        body: {
          weight,
          metadata: { ...instance.metadata, kind: parts.scheme, version: instance.version },
        },
      };
    });
  };

  // false when the server no longer knows the instance: re-register.
  const beatOne = async (n: NacosInstance, signal?: AbortSignal) => {
    const { known, intervalMs } = await sendBeat(client, n.key, n.body, signal);
    // The server decides the cadence, as the official SDKs honour.
    if (intervalMs !== undefined) beatMs = intervalMs;
    return known;
  };

  const list = async (service: string, signal?: AbortSignal) => {
    const hosts = (await listInstances(
      client,
      { serviceName: service, groupName: group, clusterName: cluster },
      signal,
    )).filter((h) => {
      const host = h as { healthy?: unknown; enabled?: unknown } | null;
      return host?.healthy !== false && host?.enabled !== false;
    });
    return decodeEach(
      hosts,
      (host) => fromHost(host, service, cluster, defaultKind),
      (error) => emit({ type: "invalid_record", service, error }),
    );
  };

  return {
    async register(instance, signal) {
      const valid = validateInstance(instance);
      const parts = split(valid);
      const key = `${valid.name}/${valid.id}`;
      await keepers.stop(key);
      const beatAll = async (s?: AbortSignal) => {
        let alive = true;
        for (const n of parts) alive = await beatOne(n, s) && alive;
        return alive;
      };
      for (const n of parts) await registerInstance(client, n.key, n.body, signal);
      // One beat at once learns the server's cadence before the first interval elapses.
      await beatAll(signal);
      await keepers.set(
        key,
        keepAlive({
          instance: valid,
          intervalMs: () => beatMs,
          beat: beatAll,
          register: async (s) => {
            for (const n of parts) await registerInstance(client, n.key, n.body, s);
          },
          backoff: retry,
          emit,
        }),
      );
    },

    async deregister(instance, signal) {
      const valid = validateInstance(instance);
      const key = `${valid.name}/${valid.id}`;
      await keepers.stop(key);
      for (const n of split(valid)) await deregisterInstance(client, n.key, signal);
    },

    async getService(name, signal) {
      return await list(validateName(name, "nacos"), signal);
    },

    async watch(name, signal): Promise<Watcher> {
      const initial = await list(validateName(name, "nacos"), signal);
      return startPollingWatcher(
        initial,
        {
          service: name,
          backoff: retry,
          emit,
          round: async (s) => ({ instances: await list(name, s), pauseMs: pollMs }),
        },
        watchers,
        signal,
      );
    },

    async services(signal) {
      return (await listServices(client, group, signal)).sort();
    },

    async close() {
      await Promise.all([keepers.stopAll(), watchers.stopAll()]);
    },
  };
}

/** Maps a host of `/instance/list` to an instance, like Kratos's Nacos registry. */
function fromHost(
  host: unknown,
  service: string,
  cluster: string,
  defaultKind: string,
): ServiceInstance {
  const h = (host ?? {}) as Record<string, unknown>;
  const metadata = (h.metadata ?? {}) as Record<string, unknown>;
  const where = `nacos service ${JSON.stringify(service)}`;
  const ip = typeof h.ip === "string" && h.ip.includes(":") ? `[${h.ip}]` : h.ip;
  if (typeof ip !== "string" || !ip || typeof h.port !== "number") {
    throw new RegistryError("invalid_record", `registry: invalid record at ${where}: no ip/port`);
  }
  const kind = typeof metadata?.kind === "string" && metadata.kind ? metadata.kind : defaultKind;
  const serviceName = typeof h.serviceName === "string" ? h.serviceName : service;
  return recordToInstance(
    {
      id: h.instanceId ?? `${h.ip}#${h.port}#${cluster}#${serviceName}`,
      name: service,
      version: metadata?.version ?? "",
      metadata: typeof h.weight === "number"
        ? { ...metadata, weight: String(Math.ceil(h.weight)) }
        : metadata,
      endpoints: [`${kind}://${ip}:${h.port}`],
    },
    where,
  );
}
