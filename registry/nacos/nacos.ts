// The Nacos adapter over the v1 open API (served by Nacos 1.x and 2.x). Naming follows Kratos
// so Go and TS clients agree: one Nacos instance per endpoint, in the service `<name>.<scheme>`,
// with metadata `kind` (the scheme) and `version`; clients discover `helloworld.grpc`. Nacos does
// not keep the Kratos instance id: discovered ids are Nacos instance ids.
import { RegistryError } from "../errors.ts";
import {
  decodeEach,
  parseEndpoint,
  recordToInstance,
  validateInstance,
  validateName,
} from "../instance.ts";
import { call, json } from "../http.ts";
import { keepAlive, KeeperSet } from "../keeper.ts";
import { type AdapterOptions, baseUrl, commonOptions, positiveOption } from "../options.ts";
import { startPollingWatcher } from "../poll.ts";
import type { Catalog, Registry, ServiceInstance, Watcher } from "../registry.ts";
import { WatcherSet } from "../watcher.ts";

/** Options of `nacos()` (request bound default 5 000 ms). */
export interface NacosOptions extends AdapterOptions {
  /** Server address, e.g. `http://127.0.0.1:8848`. */
  readonly address: string;
  /** Namespace id (default: the public namespace). */
  readonly namespaceId?: string;
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
  /** Access token (from `/nacos/v1/auth/login`), sent as the `accessToken` parameter. */
  readonly accessToken?: string;
}

/** One Nacos instance derived from one endpoint of a ServiceInstance. */
interface NacosInstance {
  readonly serviceName: string;
  readonly ip: string;
  readonly port: number;
  readonly weight: number;
  readonly metadata: Record<string, string>;
}

/**
 * A registry on Nacos's v1 HTTP open API. Tested against a stateful fake that follows the
 * documented API, not a real Nacos (none can run in the project's test environment).
 */
export function nacos(options: NacosOptions): Registry & Catalog {
  const base = baseUrl(options?.address, "nacos", "address");
  const group = options.group ?? "DEFAULT_GROUP";
  const cluster = options.cluster ?? "DEFAULT";
  const defaultWeight = positiveOption(options.weight, 100, "nacos", "weight");
  const defaultKind = options.defaultKind ?? "grpc";
  let beatMs = positiveOption(options.beatIntervalMs, 5_000, "nacos", "beatIntervalMs");
  const pollMs = positiveOption(options.pollIntervalMs, 5_000, "nacos", "pollIntervalMs");
  const { client, retry, emit } = commonOptions(options, "nacos", 5_000);
  const keepers = new KeeperSet();
  const watchers = new WatcherSet();

  const url = (path: string, params: Record<string, string | number | undefined>) => {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) query.set(k, String(v));
    if (options.namespaceId) query.set("namespaceId", options.namespaceId);
    if (options.accessToken) query.set("accessToken", options.accessToken);
    return `${base}/nacos/v1/ns${path}?${query}`;
  };

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
        serviceName: `${instance.name}.${parts.scheme}`,
        ip: parts.host,
        port: parts.port,
        weight,
        metadata: { ...instance.metadata, kind: parts.scheme, version: instance.version },
      };
    });
  };

  // What names one Nacos instance, in register and deregister alike.
  const identity = (n: NacosInstance) => ({
    serviceName: n.serviceName,
    groupName: group,
    clusterName: cluster,
    ip: n.ip,
    port: n.port,
  });

  const registerOne = async (n: NacosInstance, signal?: AbortSignal) => {
    await call(
      client,
      "nacos register",
      url("/instance", {
        ...identity(n),
        weight: n.weight,
        enabled: "true",
        healthy: "true",
        ephemeral: "true",
        metadata: JSON.stringify(n.metadata),
      }),
      { method: "POST", signal },
    );
  };

  // false when the server no longer knows the instance (code 20404): re-register.
  const beatOne = async (n: NacosInstance, signal?: AbortSignal) => {
    const beat = JSON.stringify({
      serviceName: `${group}@@${n.serviceName}`,
      ip: n.ip,
      port: n.port,
      cluster,
      weight: n.weight,
      metadata: n.metadata,
      scheduled: false,
    });
    const result = await call(
      client,
      "nacos beat",
      url("/instance/beat", {
        serviceName: `${group}@@${n.serviceName}`,
        groupName: group,
        beat,
      }),
      { method: "PUT", signal, accept: [404] },
    );
    if (result.status === 404) return false;
    const answer = json(result, "nacos beat") as { code?: number; clientBeatInterval?: number };
    // The server decides the cadence, as the official SDKs honour.
    if (typeof answer?.clientBeatInterval === "number" && answer.clientBeatInterval > 0) {
      beatMs = answer.clientBeatInterval;
    }
    return answer?.code !== 20404;
  };

  const list = async (service: string, signal?: AbortSignal) => {
    const what = `nacos list ${service}`;
    const result = await call(
      client,
      what,
      url("/instance/list", {
        serviceName: service,
        groupName: group,
        clusters: cluster,
        healthyOnly: "true",
      }),
      { signal },
    );
    const body = json(result, what) as { hosts?: unknown } | null;
    if (!body || typeof body !== "object" || !Array.isArray(body.hosts)) {
      throw new RegistryError("bad_response", `${what}: expected an object with hosts`);
    }
    const hosts = body.hosts.filter((h) => h?.healthy !== false && h?.enabled !== false);
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
      for (const n of parts) await registerOne(n, signal);
      // One beat at once learns the server's cadence before the first interval elapses.
      await beatAll(signal);
      await keepers.set(
        key,
        keepAlive({
          instance: valid,
          intervalMs: () => beatMs,
          beat: beatAll,
          register: async (s) => {
            for (const n of parts) await registerOne(n, s);
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
      for (const n of split(valid)) {
        await call(
          client,
          "nacos deregister",
          url("/instance", {
            ...identity(n),
            ephemeral: "true",
          }),
          { method: "DELETE", signal, accept: [404] },
        );
      }
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
      const names: string[] = [];
      // Paged like the v1 API; a page shorter than asked for is the last one.
      for (let page = 1;; page++) {
        const what = `nacos service list (page ${page})`;
        const result = await call(
          client,
          what,
          url("/service/list", { pageNo: page, pageSize: SERVICE_PAGE, groupName: group }),
          { signal },
        );
        const body = json(result, what) as { doms?: unknown } | null;
        if (!body || typeof body !== "object" || !Array.isArray(body.doms)) {
          throw new RegistryError("bad_response", `${what}: expected an object with doms`);
        }
        for (const dom of body.doms) if (typeof dom === "string" && dom !== "") names.push(dom);
        if (body.doms.length < SERVICE_PAGE) return [...new Set(names)].sort();
      }
    },

    async close() {
      await Promise.all([keepers.stopAll(), watchers.stopAll()]);
    },
  };
}

// Services per page of /service/list.
const SERVICE_PAGE = 500;

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
