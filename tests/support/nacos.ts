// A stateful fake of the Nacos v1 open API (naming, config and auth), for contract tests of the
// registry adapter and the config source: no Nacos can run here. It follows the documented
// behaviour (nacos-group docs, v1 open API) the client relies on:
// - naming: POST /nacos/v1/ns/instance (ip, port, serviceName required; answers "ok");
//   PUT /nacos/v1/ns/instance/beat?beat=JSON → {"clientBeatInterval","code":10200} or code
//   20404 when the instance is unknown; DELETE /nacos/v1/ns/instance → "ok";
//   GET /nacos/v1/ns/instance/list → {name:"GROUP@@svc", hosts:[…], cacheMillis, …}; an
//   ephemeral instance without beats turns unhealthy after the heartbeat timeout and is deleted
//   after the ip-delete timeout (15 s / 30 s on a real server; configurable here);
//   GET /nacos/v1/ns/service/list?pageNo&pageSize&groupName → {count, doms:[names]}: every
//   service the namespace ever had, with or without instances (Nacos keeps empty services).
//   Service names are stored as `GROUP@@name`; a name given without `@@` takes `groupName`.
// - config: GET /nacos/v1/cs/configs?dataId&group[&tenant] → the raw content, 404 when absent;
//   POST (form dataId, group, content[, tenant]) → `true`, DELETE likewise;
//   POST /nacos/v1/cs/configs/listener, header Long-Pulling-Timeout, form field
//   Listening-Configs = dataId^2group^2md5[^2tenant]^1…: answers at once with the changed
//   entries (URL-encoded dataId^2group[^2tenant]^1) when an MD5 differs, else holds the request
//   until one of them changes or the timeout passes, then answers "".
// - auth: POST /nacos/v1/auth/login (form username, password) → {accessToken, tokenTtl,
//   globalAdmin}; with `users` set, requests without a valid accessToken get 403.
// `restart()` drops every instance (configs are persistent on a real server and stay).
import { createHash } from "node:crypto";

/** A request the fake received. */
export interface NacosRequest {
  /** Method. */
  readonly method: string;
  /** Path, e.g. `/nacos/v1/ns/instance`. */
  readonly path: string;
  /** URL with query. */
  readonly url: URL;
  /** Query and form parameters together. */
  readonly params: URLSearchParams;
  /** Headers. */
  readonly headers: Headers;
  /** Body text. */
  readonly body: string;
}

/** Timing and auth of the fake server. */
export interface FakeNacosOptions {
  /** Beat interval the server asks for (default 5 000 ms). */
  readonly clientBeatIntervalMs?: number;
  /** Unhealthy after this long without a beat (default 15 000 ms). */
  readonly heartBeatTimeoutMs?: number;
  /** Deleted after this long without a beat (default 30 000 ms). */
  readonly ipDeleteTimeoutMs?: number;
  /** Turns auth on with these users and passwords. */
  readonly users?: Readonly<Record<string, string>>;
}

/** The fake's controls. */
export interface FakeNacos {
  /** Base URL without the context path, e.g. `http://127.0.0.1:12345`. */
  readonly endpoint: string;
  /** Every request so far. */
  readonly requests: NacosRequest[];
  /** Publishes a config (as the console or the publish API would). */
  publish(dataId: string, group: string, content: string, tenant?: string): void;
  /** Deletes a config. */
  remove(dataId: string, group: string, tenant?: string): void;
  /** Makes every issued access token invalid (as after their TTL). */
  expireTokens(): void;
  /** Drops all instances and the listener, then listens again on the same port. */
  restart(): Promise<void>;
  /** Shuts down. */
  close(): Promise<void>;
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

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

/** Starts the fake on 127.0.0.1 (random port). */
export function startFakeNacos(options: FakeNacosOptions = {}): FakeNacos {
  const beatInterval = options.clientBeatIntervalMs ?? 5_000;
  const unhealthyAfter = options.heartBeatTimeoutMs ?? 15_000;
  const deleteAfter = options.ipDeleteTimeoutMs ?? 30_000;
  const requests: NacosRequest[] = [];
  const configs = new Map<string, string>();
  const tokens = new Set<string>();
  const listeners = new Set<() => void>();
  const pending = new Set<() => void>();
  let hosts = new Map<string, Host>();
  // namespace|GROUP@@name of every service registered since the last restart.
  let services = new Set<string>();
  let server: Deno.HttpServer | undefined;
  let port = 0;
  let sweeper: ReturnType<typeof setInterval> | undefined;

  const configId = (dataId: string, group: string, tenant = "") =>
    `${tenant}\x02${group}\x02${dataId}`;
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  const publish = (dataId: string, group: string, content: string, tenant = "") => {
    configs.set(configId(dataId, group, tenant), content);
    notify();
  };
  const remove = (dataId: string, group: string, tenant = "") => {
    configs.delete(configId(dataId, group, tenant));
    notify();
  };
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

  const naming = (req: Request, path: string, params: URLSearchParams): Response | undefined => {
    const ns = params.get("namespaceId") || "public";
    const cluster = params.get("clusterName") || "DEFAULT";
    if (path === "/nacos/v1/ns/instance" && req.method === "POST") {
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
    if (path === "/nacos/v1/ns/instance" && req.method === "DELETE") {
      const name = params.get("serviceName");
      if (!name) return bad("Param 'serviceName' is required.");
      const serviceName = qualified(name, params.get("groupName"));
      hosts.delete(
        keyOf(ns, serviceName, cluster, params.get("ip") ?? "", Number(params.get("port"))),
      );
      return new Response("ok");
    }
    if (path === "/nacos/v1/ns/instance/beat" && req.method === "PUT") {
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
    if (path === "/nacos/v1/ns/service/list" && req.method === "GET") {
      const pageNo = Number(params.get("pageNo"));
      const pageSize = Number(params.get("pageSize"));
      if (!(pageNo >= 1) || !(pageSize >= 1)) {
        return bad("Param 'pageNo' and 'pageSize' are required.");
      }
      const prefix = `${ns}|${params.get("groupName") || "DEFAULT_GROUP"}@@`;
      const doms = [...services]
        .filter((key) => key.startsWith(prefix))
        .map((key) => key.slice(prefix.length))
        .sort();
      return Response.json({
        count: doms.length,
        doms: doms.slice((pageNo - 1) * pageSize, pageNo * pageSize),
      });
    }
    if (path === "/nacos/v1/ns/instance/list" && req.method === "GET") {
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
    return undefined;
  };

  const config = async (
    req: Request,
    path: string,
    params: URLSearchParams,
  ): Promise<Response | undefined> => {
    if (path === "/nacos/v1/cs/configs") {
      const dataId = params.get("dataId"), group = params.get("group");
      const tenant = params.get("tenant") ?? undefined;
      if (!dataId || !group) return new Response("dataId and group are required", { status: 400 });
      if (req.method === "GET") {
        const content = configs.get(configId(dataId, group, tenant));
        return content === undefined
          ? new Response("config data not exist", { status: 404 })
          : new Response(content, { headers: { "content-md5": md5(content) } });
      }
      if (req.method === "POST") publish(dataId, group, params.get("content") ?? "", tenant);
      if (req.method === "DELETE") remove(dataId, group, tenant);
      return new Response("true");
    }
    if (path === "/nacos/v1/cs/configs/listener" && req.method === "POST") {
      const entries = (params.get("Listening-Configs") ?? "").split("\x01").filter((e) => e !== "")
        .map((e) => {
          const [dataId, group, sum, tenant = ""] = e.split("\x02");
          return { dataId, group, sum, tenant };
        });
      if (
        entries.length === 0 || entries.some((e) => !e.dataId || !e.group || e.sum === undefined)
      ) {
        return new Response("invalid probeModify", { status: 400 });
      }
      const changed = () =>
        entries.filter((e) => {
          const content = configs.get(configId(e.dataId, e.group, e.tenant));
          return (content === undefined ? "" : md5(content)) !== e.sum;
        }).map((e) => [e.dataId, e.group, ...(e.tenant ? [e.tenant] : [])].join("\x02") + "\x01")
          .join("");
      let answer = changed();
      if (answer === "") {
        const timeout = Number(req.headers.get("long-pulling-timeout") ?? "30000");
        answer = await new Promise<string>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            listeners.delete(check);
            pending.delete(done);
            resolve(changed());
          };
          const check = () => {
            if (changed() !== "") done();
          };
          const timer = setTimeout(done, timeout);
          listeners.add(check);
          pending.add(done);
        });
      }
      return new Response(encodeURIComponent(answer));
    }
    return undefined;
  };

  const handle = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const params = new URLSearchParams(url.search);
    const body = await req.text();
    if (req.headers.get("content-type")?.includes("application/x-www-form-urlencoded")) {
      for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
    }
    requests.push({
      method: req.method,
      path: url.pathname,
      url,
      params,
      headers: req.headers,
      body,
    });
    if (url.pathname === "/nacos/v1/auth/login" && req.method === "POST") {
      const user = params.get("username");
      if (!options.users || !user || options.users[user] !== params.get("password")) {
        return new Response("unknown user!", { status: 403 });
      }
      const token = crypto.randomUUID();
      tokens.add(token);
      return Response.json({ accessToken: token, tokenTtl: 18000, globalAdmin: false });
    }
    if (options.users && !tokens.has(params.get("accessToken") ?? "")) {
      return Response.json({ status: 403, message: "token invalid!" }, { status: 403 });
    }
    return naming(req, url.pathname, params) ?? await config(req, url.pathname, params) ??
      new Response("not found", { status: 404 });
  };

  const start = () => {
    server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, handle);
    port = (server.addr as Deno.NetAddr).port;
    sweeper = setInterval(sweep, 50);
  };
  const stop = async () => {
    clearInterval(sweeper);
    for (const done of [...pending]) done();
    await server?.shutdown();
  };
  start();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    publish,
    remove,
    expireTokens: () => tokens.clear(),
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
  return fetch(`${fake.endpoint}/nacos/v1/ns/instance?${params}`, { method: "POST" });
}
