// A real Consul for tests: `consul agent -dev` (v1.14.4, built by tools/setup.sh) on free
// loopback ports, restartable on the same ports (a dev agent keeps its state in memory, so a
// restart comes back empty, like a replaced container), optionally with ACLs on. In front of it,
// `recordingProxy` passes requests through while recording them and can fail or refuse some,
// for what a healthy agent never does by itself.
import { Child, freePort, run } from "./process.ts";
import { root } from "./tools.ts";

/** The Consul binary the suites run against. */
export const CONSUL: string = `${root}tools/go/bin/consul`;
/** The version it must report. */
export const CONSUL_VERSION = "1.14.4";

let checked: Promise<void> | undefined;

// A missing or wrong binary fails the test that wanted it, naming the fix (no silent skip).
function checkVersion(): Promise<void> {
  return checked ??= run(CONSUL, ["version"], { timeoutMs: 10_000 }).then(
    ({ stdout }) => {
      const got = stdout.match(/Consul v(\S+)/)?.[1] ?? "nothing";
      if (got !== CONSUL_VERSION) {
        throw new Error(`${CONSUL} is Consul ${got}, want ${CONSUL_VERSION}`);
      }
    },
    (error) => {
      throw new Error(`Consul (${CONSUL}) cannot run: ${error.message}; run sh tools/setup.sh`);
    },
  );
}

/** Options of a test agent. */
export interface ConsulAgentOptions {
  /** Datacenter name (default `dc1`). */
  readonly datacenter?: string;
  /** Turn ACLs on, default deny, with this management token. */
  readonly managementToken?: string;
}

/** A running `consul agent -dev`. */
export interface ConsulAgent {
  /** HTTP API base URL, e.g. `http://127.0.0.1:18500`. */
  readonly address: string;
  /** Stops the agent (its state is lost). */
  stop(): Promise<void>;
  /** Starts it again on the same ports, empty. */
  start(): Promise<void>;
  /** Stops and starts it. */
  restart(): Promise<void>;
  /** Stops it for good. */
  close(): Promise<void>;
}

/** Starts a dev agent and waits (bounded) until it has a leader and answers. */
export async function startConsul(options: ConsulAgentOptions = {}): Promise<ConsulAgent> {
  await checkVersion();
  const pick = () => ({
    http: freePort(),
    dns: freePort(),
    serf_lan: freePort(),
    serf_wan: freePort(),
    server: freePort(),
    grpc: freePort(),
  });
  let ports = pick();
  let address = `http://127.0.0.1:${ports.http}`;
  const hcl = [`ports { grpc_tls = -1 }`];
  if (options.managementToken !== undefined) {
    hcl.push(
      `acl { enabled = true, default_policy = "deny", tokens { initial_management = ` +
        `${JSON.stringify(options.managementToken)} } }`,
    );
  }
  const headers: Record<string, string> = options.managementToken === undefined
    ? {}
    : { "x-consul-token": options.managementToken };
  let child: Child | undefined;
  const start = async () => {
    child = new Child("consul", CONSUL, [
      "agent",
      "-dev",
      "-bind",
      "127.0.0.1",
      "-client",
      "127.0.0.1",
      "-datacenter",
      options.datacenter ?? "dc1",
      "-http-port",
      String(ports.http),
      "-dns-port",
      String(ports.dns),
      "-serf-lan-port",
      String(ports.serf_lan),
      "-serf-wan-port",
      String(ports.serf_wan),
      "-server-port",
      String(ports.server),
      "-grpc-port",
      String(ports.grpc),
      "-hcl",
      hcl.join("\n"),
      "-log-level",
      "warn",
    ]);
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        // The agent answers before it has elected itself, and registrations need its own node
        // in the catalog: listing the nodes waits for both.
        const res = await fetch(`${address}/v1/catalog/nodes`, {
          headers,
          signal: AbortSignal.timeout(1000),
        });
        const body = await res.text();
        if (res.ok && body.includes('"Node"')) return;
      } catch {
        // not up yet
      }
      if (child.exitCode !== undefined || Date.now() > deadline) {
        throw new Error(`consul agent did not become ready\n${child.output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    await child?.close();
    child = undefined;
  };
  try {
    await start();
  } catch (error) {
    // A port is free when picked, not reserved: another process can bind it (TCP, or UDP for
    // serf and DNS) before the agent does, and the agent then exits at once. The first start
    // picks new ports once in that case; an agent that fails again, or never answers, fails.
    if (child?.exitCode === undefined) throw error;
    await child.close();
    ports = pick();
    address = `http://127.0.0.1:${ports.http}`;
    await start();
  }
  return {
    address,
    start,
    stop,
    async restart() {
      await stop();
      await start();
    },
    close: stop,
  };
}

/** A request the proxy passed on (or failed). */
export interface RecordedRequest {
  /** Method. */
  readonly method: string;
  /** Path with query. */
  readonly url: string;
  /** Body text. */
  readonly body: string;
  /** Headers. */
  readonly headers: Headers;
}

/** Reads `req`'s body and appends the request to `requests`; returns its URL and body. */
export async function record(
  req: Request,
  requests: RecordedRequest[],
): Promise<{ url: URL; body: string }> {
  const url = new URL(req.url);
  const body = await req.text();
  requests.push({ method: req.method, url: url.pathname + url.search, body, headers: req.headers });
  return { url, body };
}

/** A recording, fault-injecting HTTP proxy in front of an agent. */
export interface RecordingProxy {
  /** Base URL to give the adapter instead of the agent's. */
  readonly address: string;
  /** Every request so far. */
  readonly requests: RecordedRequest[];
  /** Answers the next `n` requests with HTTP 500 instead of passing them on. */
  failNext(n: number): void;
  /** Stops listening (requests then fail to connect) until `start()`; the agent keeps its state. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): void;
  /** Shuts the proxy down. */
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (free port) passing every request on to `target`. */
export function recordingProxy(target: string): RecordingProxy {
  const requests: RecordedRequest[] = [];
  let failures = 0;
  let port = 0;
  let server: Deno.HttpServer | undefined;
  const inflight = new Set<AbortController>();
  const handle = async (req: Request): Promise<Response> => {
    const { url, body } = await record(req, requests);
    if (failures > 0) {
      failures--;
      return new Response("rpc error: simulated failure", { status: 500 });
    }
    const controller = new AbortController();
    inflight.add(controller);
    try {
      const headers = new Headers(req.headers);
      headers.delete("host");
      const res = await fetch(target + url.pathname + url.search, {
        method: req.method,
        headers,
        body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
        signal: controller.signal,
      });
      const out = new Headers(res.headers);
      out.delete("content-length");
      out.delete("content-encoding");
      return new Response(await res.arrayBuffer(), { status: res.status, headers: out });
    } catch {
      return new Response("proxy: agent unreachable", { status: 502 });
    } finally {
      inflight.delete(controller);
    }
  };
  const start = () => {
    server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, handle);
    port = (server.addr as Deno.NetAddr).port;
  };
  const stop = async () => {
    // Blocking queries in flight would hold the shutdown for their whole wait.
    for (const c of inflight) c.abort();
    await server?.shutdown();
    server = undefined;
  };
  start();
  return {
    address: `http://127.0.0.1:${port}`,
    requests,
    failNext(n) {
      failures = n;
    },
    stop,
    start,
    close: stop,
  };
}
