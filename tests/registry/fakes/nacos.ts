// A stateful fake of the Nacos v1 naming open API, for contract tests (no Nacos can run here).
// It follows the documented behaviour (nacos-group docs, v1 open API) the adapter relies on:
// - POST /nacos/v1/ns/instance (ip, port, serviceName required; answers "ok");
// - PUT /nacos/v1/ns/instance/beat?beat=JSON → {"clientBeatInterval","code":10200} or
//   code 20404 when the instance is unknown;
// - DELETE /nacos/v1/ns/instance → "ok";
// - GET /nacos/v1/ns/instance/list → {name:"GROUP@@svc", hosts:[…], cacheMillis, …};
// - GET /nacos/v1/ns/service/list?pageNo&pageSize&groupName → {count, doms:[names]}: every
//   service the namespace ever had, with or without instances (Nacos keeps empty services);
// - an ephemeral instance without beats turns unhealthy after the heartbeat timeout and is
//   deleted after the ip-delete timeout (15 s / 30 s on a real server; configurable here).
// Service names are stored as `GROUP@@name`; a name given without `@@` takes `groupName`.
// `restart()` drops every instance, as a restarted server forgets ephemeral instances.

/** A request the fake received. */
export interface SeenNacosRequest {
  /** Method. */
  readonly method: string;
  /** Path. */
  readonly path: string;
  /** Query and form parameters. */
  readonly params: URLSearchParams;
}

interface Host {
  instanceId: string;
  ip: string;
  port: number;
  weight: number;
  healthy: boolean;
  enabled: boolean;
  ephemeral: boolean;
  clusterName: string;
  serviceName: string;
  metadata: Record<string, string>;
  namespace: string;
  lastBeat: number;
}

/** Timing of the fake server. */
export interface FakeNacosOptions {
  /** Beat interval the server asks for (default 5 000 ms). */
  readonly clientBeatIntervalMs?: number;
  /** Unhealthy after this long without a beat (default 15 000 ms). */
  readonly heartBeatTimeoutMs?: number;
  /** Deleted after this long without a beat (default 30 000 ms). */
  readonly ipDeleteTimeoutMs?: number;
}

/** The fake's controls. */
export interface FakeNacos {
  /** Base URL. */
  readonly address: string;
  /** Every request so far. */
  readonly requests: SeenNacosRequest[];
  /** Drops all instances and the listener, then listens again on the same port. */
  restart(): Promise<void>;
  /** Shuts down. */
  close(): Promise<void>;
}

/** Starts the fake on 127.0.0.1 (random port). */
export function startFakeNacos(options: FakeNacosOptions = {}): FakeNacos {
  const beatInterval = options.clientBeatIntervalMs ?? 5_000;
  const unhealthyAfter = options.heartBeatTimeoutMs ?? 15_000;
  const deleteAfter = options.ipDeleteTimeoutMs ?? 30_000;
  const requests: SeenNacosRequest[] = [];
  let hosts = new Map<string, Host>();
  // namespace|GROUP@@name of every service registered since the last restart.
  let services = new Set<string>();
  let server: Deno.HttpServer | undefined;
  let port = 0;
  let sweeper: ReturnType<typeof setInterval> | undefined;

  const qualified = (name: string, group: string | null) =>
    name.includes("@@") ? name : `${group || "DEFAULT_GROUP"}@@${name}`;
  const keyOf = (ns: string, service: string, cluster: string, ip: string, p: number) =>
    `${ns}|${service}|${cluster}|${ip}:${p}`;
  const bad = (message: string) =>
    new Response(`caused: ${message};`, { status: 400, headers: { "content-type": "text/plain" } });

  const sweep = () => {
    const now = Date.now();
    for (const [key, h] of hosts) {
      if (!h.ephemeral) continue;
      if (now - h.lastBeat > deleteAfter) hosts.delete(key);
      else if (now - h.lastBeat > unhealthyAfter) h.healthy = false;
    }
  };

  const handle = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const params = new URLSearchParams(url.search);
    const body = await req.text();
    if (req.headers.get("content-type")?.includes("application/x-www-form-urlencoded")) {
      for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
    }
    requests.push({ method: req.method, path: url.pathname, params });
    const ns = params.get("namespaceId") || "public";
    const cluster = params.get("clusterName") || "DEFAULT";

    if (url.pathname === "/nacos/v1/ns/instance" && req.method === "POST") {
      const ip = params.get("ip");
      const p = Number(params.get("port"));
      const name = params.get("serviceName");
      if (!name) return bad("Param 'serviceName' is required.");
      if (!ip) return bad("Param 'ip' is required.");
      if (!Number.isInteger(p) || p <= 0) return bad("Param 'port' is required.");
      let metadata: Record<string, string> = {};
      try {
        metadata = JSON.parse(params.get("metadata") || "{}");
      } catch {
        return bad("metadata is not a JSON object");
      }
      const serviceName = qualified(name, params.get("groupName"));
      services.add(`${ns}|${serviceName}`);
      hosts.set(keyOf(ns, serviceName, cluster, ip, p), {
        instanceId: `${ip}#${p}#${cluster}#${serviceName}`,
        ip,
        port: p,
        weight: Number(params.get("weight") ?? 1),
        healthy: params.get("healthy") !== "false",
        enabled: params.get("enabled") !== "false",
        ephemeral: params.get("ephemeral") !== "false",
        clusterName: cluster,
        serviceName,
        metadata,
        namespace: ns,
        lastBeat: Date.now(),
      });
      return new Response("ok");
    }
    if (url.pathname === "/nacos/v1/ns/instance" && req.method === "DELETE") {
      const name = params.get("serviceName");
      if (!name) return bad("Param 'serviceName' is required.");
      const serviceName = qualified(name, params.get("groupName"));
      hosts.delete(
        keyOf(ns, serviceName, cluster, params.get("ip") ?? "", Number(params.get("port"))),
      );
      return new Response("ok");
    }
    if (url.pathname === "/nacos/v1/ns/instance/beat" && req.method === "PUT") {
      let beat: Record<string, unknown>;
      try {
        beat = JSON.parse(params.get("beat") ?? "");
      } catch {
        return bad("Param 'beat' is required.");
      }
      const name = String(beat.serviceName ?? params.get("serviceName") ?? "");
      const serviceName = qualified(name, params.get("groupName"));
      const host = hosts.get(
        keyOf(
          ns,
          serviceName,
          String(beat.cluster ?? "DEFAULT"),
          String(beat.ip),
          Number(beat.port),
        ),
      );
      if (!host) return Response.json({ clientBeatInterval: beatInterval, code: 20404 });
      host.lastBeat = Date.now();
      host.healthy = true;
      return Response.json({
        clientBeatInterval: beatInterval,
        code: 10200,
        lightBeatEnabled: true,
      });
    }
    if (url.pathname === "/nacos/v1/ns/instance/list" && req.method === "GET") {
      const name = params.get("serviceName");
      if (!name) return bad("Param 'serviceName' is required.");
      const serviceName = qualified(name, params.get("groupName"));
      const clusters = (params.get("clusters") || "").split(",").filter(Boolean);
      const healthyOnly = params.get("healthyOnly") === "true";
      const list = [...hosts.values()].filter((h) =>
        h.namespace === ns && h.serviceName === serviceName &&
        (clusters.length === 0 || clusters.includes(h.clusterName)) &&
        (!healthyOnly || h.healthy)
      );
      return Response.json({
        name: serviceName,
        groupName: serviceName.split("@@")[0],
        clusters: clusters.join(","),
        cacheMillis: 10_000,
        hosts: list.map((h) => ({
          instanceId: h.instanceId,
          ip: h.ip,
          port: h.port,
          weight: h.weight,
          healthy: h.healthy,
          enabled: h.enabled,
          ephemeral: h.ephemeral,
          clusterName: h.clusterName,
          serviceName: h.serviceName,
          metadata: h.metadata,
          instanceHeartBeatInterval: beatInterval,
          instanceIdGenerator: "simple",
          instanceHeartBeatTimeOut: unhealthyAfter,
          ipDeleteTimeout: deleteAfter,
        })),
        lastRefTime: Date.now(),
        checksum: "",
        allIPs: false,
        reachProtectionThreshold: false,
        valid: true,
      });
    }
    if (url.pathname === "/nacos/v1/ns/service/list" && req.method === "GET") {
      const pageNo = Number(params.get("pageNo"));
      const pageSize = Number(params.get("pageSize"));
      if (!(pageNo >= 1) || !(pageSize >= 1)) {
        return bad("Param 'pageNo' and 'pageSize' are required.");
      }
      const group = params.get("groupName") || "DEFAULT_GROUP";
      const doms = [...services]
        .filter((key) => key.startsWith(`${ns}|${group}@@`))
        .map((key) => key.slice(`${ns}|${group}@@`.length))
        .sort();
      return Response.json({
        count: doms.length,
        doms: doms.slice((pageNo - 1) * pageSize, pageNo * pageSize),
      });
    }
    return new Response("not found", { status: 404 });
  };

  const start = () => {
    server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, handle);
    port = (server.addr as Deno.NetAddr).port;
    sweeper = setInterval(sweep, 50);
  };
  const stop = async () => {
    clearInterval(sweeper);
    await server?.shutdown();
  };
  start();
  return {
    address: `http://127.0.0.1:${port}`,
    requests,
    async restart() {
      await stop();
      hosts = new Map();
      services = new Set();
      start();
    },
    close: stop,
  };
}

/** Inserts a host directly, as another client (or a broken one) would have registered it. */
export function rawHost(fake: FakeNacos, host: Record<string, unknown>): Promise<Response> {
  const params = new URLSearchParams(host as Record<string, string>);
  return fetch(`${fake.address}/nacos/v1/ns/instance?${params}`, { method: "POST" });
}
