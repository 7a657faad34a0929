// A stateful fake of the Consul agent HTTP API, kept only for what a real agent cannot produce:
// catalog entries its own validation refuses to store (a tagged address that is not a string).
// Everything else runs against `consul agent -dev` (tests/support/consul.ts). It follows what
// Consul 1.14.4 does, answers and messages included:
// - PUT /v1/agent/service/register: Name required, ID defaults to Name, checks start critical
//   unless given a Status; TTL checks turn critical when not updated within their TTL; TCP
//   checks really connect; DeregisterCriticalServiceAfter removes a service critical that long.
// - PUT /v1/agent/check/update/:id {Status,Output} and /v1/agent/check/pass/:id; unknown → 404
//   (`Unknown check ID "…". Ensure that the check ID is passed, not the check name.`).
// - PUT /v1/agent/service/deregister/:id; unknown → 404 (`Unknown service ID "…". Ensure that
//   the service ID is passed, not the service name.`).
// - GET /v1/health/service/:name?passing&index&wait: entries {Node,Service,Checks}, the
//   X-Consul-Index header, blocking until the index passes `index` or `wait` elapses.
//   Consul adds lan_ipv4/wan_ipv4 tagged addresses itself.

import { record, type RecordedRequest } from "../../support/consul.ts";

interface Check {
  readonly def: Record<string, string>;
  status: string;
  criticalSince?: number;
  timer?: ReturnType<typeof setTimeout>;
}

interface Service {
  readonly def: Record<string, unknown>;
  readonly checks: Map<string, Check>;
}

/** The fake's controls. */
export interface FakeConsul {
  /** Base URL. */
  readonly address: string;
  /** Every request so far. */
  readonly requests: RecordedRequest[];
  /** Shuts down. */
  close(): Promise<void>;
}

const seconds = (value: string | undefined) => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value ?? "");
  if (!m) return undefined;
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as "ms" | "s" | "m" | "h"];
};

/**
 * Starts the fake on 127.0.0.1 (random port). Unlike a real agent it stores a registration whose
 * fields have the wrong JSON types (the agent answers 400 "Request decode failed").
 */
export function startFakeConsul(): FakeConsul {
  const requests: RecordedRequest[] = [];
  const services = new Map<string, Service>();
  let index = 1;
  let waiters: (() => void)[] = [];
  let server: Deno.HttpServer | undefined;
  let port = 0;
  let reaper: ReturnType<typeof setInterval> | undefined;

  const bump = () => {
    index++;
    for (const w of waiters.splice(0)) w();
  };
  const setStatus = (check: Check, status: string) => {
    if (check.status === status) return;
    check.status = status;
    check.criticalSince = status === "critical" ? Date.now() : undefined;
    bump();
  };
  const armTtl = (check: Check) => {
    clearTimeout(check.timer);
    const ttl = seconds(check.def.TTL);
    if (ttl !== undefined) check.timer = setTimeout(() => setStatus(check, "critical"), ttl * 1000);
  };
  const runTcp = async (check: Check) => {
    const [, host, p] = /^\[?(.*?)\]?:(\d+)$/.exec(check.def.TCP) ?? [];
    try {
      const conn = await Deno.connect({ hostname: host, port: Number(p) });
      conn.close();
      setStatus(check, "passing");
    } catch {
      setStatus(check, "critical");
    }
  };
  const removeService = (id: string) => {
    const s = services.get(id);
    if (!s) return false;
    for (const c of s.checks.values()) clearTimeout(c.timer);
    services.delete(id);
    bump();
    return true;
  };
  const reap = () => {
    for (const [id, s] of services) {
      for (const c of s.checks.values()) {
        const after = seconds(c.def.DeregisterCriticalServiceAfter);
        if (
          c.criticalSince && after !== undefined && Date.now() - c.criticalSince >= after * 1000
        ) {
          removeService(id);
          break;
        }
        if (c.def.TCP) void runTcp(c);
      }
    }
  };

  const register = (def: Record<string, unknown>) => {
    if (typeof def.Name !== "string" || !def.Name) {
      return new Response("Missing service name", { status: 400 });
    }
    const id = typeof def.ID === "string" && def.ID ? def.ID : def.Name;
    const old = services.get(id);
    if (old) { for (const c of old.checks.values()) clearTimeout(c.timer); }
    const list = [
      ...(def.Check ? [def.Check] : []),
      ...((def.Checks as unknown[]) ?? []),
    ] as Record<
      string,
      string
    >[];
    const checks = new Map<string, Check>();
    list.forEach((c, i) => {
      const checkId = c.CheckID ?? (list.length === 1 ? `service:${id}` : `service:${id}:${i + 1}`);
      // Re-registration keeps a known check's status, as the agent does.
      const status = old?.checks.get(checkId)?.status ?? c.Status ?? "critical";
      const check: Check = {
        def: c,
        status,
        criticalSince: status === "critical" ? Date.now() : undefined,
      };
      checks.set(checkId, check);
      if (c.TTL) armTtl(check);
      if (c.TCP) void runTcp(check);
    });
    services.set(id, { def: { ...def, ID: id }, checks });
    bump();
    return new Response(null, { status: 200 });
  };

  const entry = (s: Service) => {
    const def = s.def;
    const tagged: Record<string, unknown> = { ...(def.TaggedAddresses as object) };
    if (typeof def.Address === "string" && def.Address) {
      tagged.lan_ipv4 = { Address: def.Address, Port: def.Port ?? 0 };
      tagged.wan_ipv4 = { Address: def.Address, Port: def.Port ?? 0 };
    }
    return {
      Node: { ID: "fake-node", Node: "fake", Address: "127.0.0.1", Datacenter: "dc1" },
      Service: {
        ID: def.ID,
        Service: def.Name,
        Tags: def.Tags ?? [],
        Address: def.Address ?? "",
        TaggedAddresses: tagged,
        Meta: def.Meta ?? {},
        Port: def.Port ?? 0,
        Weights: { Passing: 1, Warning: 1 },
      },
      Checks: [
        { Node: "fake", CheckID: "serfHealth", Name: "Serf Health Status", Status: "passing" },
        ...[...s.checks].map(([id, c]) => ({
          Node: "fake",
          CheckID: id,
          Status: c.status,
          ServiceID: def.ID,
          ServiceName: def.Name,
        })),
      ],
    };
  };

  const health = async (name: string, url: URL) => {
    const want = Number(url.searchParams.get("index") ?? "0");
    const wait = Math.min(seconds(url.searchParams.get("wait") ?? "5m") ?? 300, 600) * 1000;
    if (want > 0 && index <= want) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, wait);
        function done() {
          clearTimeout(timer);
          waiters = waiters.filter((w) => w !== done);
          resolve();
        }
        waiters.push(done);
      });
    }
    const passing = url.searchParams.has("passing");
    const out = [...services.values()]
      .filter((s) => s.def.Name === name)
      .filter((s) => !passing || [...s.checks.values()].every((c) => c.status === "passing"))
      .map(entry);
    return Response.json(out, { headers: { "x-consul-index": String(index) } });
  };

  const handle = async (req: Request): Promise<Response> => {
    const { url, body } = await record(req, requests);
    const path = url.pathname;
    let m;
    if (req.method === "PUT" && path === "/v1/agent/service/register") {
      try {
        return register(JSON.parse(body));
      } catch {
        return new Response("Request decode failed", { status: 400 });
      }
    }
    if (req.method === "PUT" && (m = /^\/v1\/agent\/service\/deregister\/(.+)$/.exec(path))) {
      return removeService(decodeURIComponent(m[1]))
        ? new Response(null, { status: 200 })
        : new Response(
          `Unknown service ID ${JSON.stringify(decodeURIComponent(m[1]))}. Ensure that the ` +
            "service ID is passed, not the service name.",
          { status: 404 },
        );
    }
    if (req.method === "PUT" && (m = /^\/v1\/agent\/check\/(update|pass)\/(.+)$/.exec(path))) {
      const id = decodeURIComponent(m[2]);
      const check = [...services.values()].map((s) => s.checks.get(id)).find(Boolean);
      if (!check) {
        return new Response(
          `Unknown check ID ${JSON.stringify(id)}. Ensure that the check ID is passed, not the ` +
            "check name.",
          { status: 404 },
        );
      }
      if (!check.def.TTL) {
        return new Response("CheckID does not have associated TTL", { status: 500 });
      }
      let status = "passing";
      if (m[1] === "update") {
        try {
          status = JSON.parse(body).Status;
        } catch {
          return new Response("Request decode failed", { status: 400 });
        }
        if (!["passing", "warning", "critical"].includes(status)) {
          return new Response(`Invalid check status: '${status}'`, { status: 400 });
        }
      }
      setStatus(check, status);
      armTtl(check);
      return new Response(null, { status: 200 });
    }
    if (req.method === "GET" && (m = /^\/v1\/health\/service\/(.+)$/.exec(path))) {
      return await health(decodeURIComponent(m[1]), url);
    }
    return new Response("404 page not found", { status: 404 });
  };

  const start = () => {
    server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, handle);
    port = (server.addr as Deno.NetAddr).port;
    reaper = setInterval(reap, 200);
  };
  const stop = async () => {
    clearInterval(reaper);
    for (const w of waiters.splice(0)) w();
    await server?.shutdown();
    server = undefined;
  };
  start();
  return {
    address: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      await stop();
      for (const s of services.values()) for (const c of s.checks.values()) clearTimeout(c.timer);
    },
  };
}
