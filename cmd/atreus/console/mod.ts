/**
 * `atreus console`: a web page on 127.0.0.1 showing every service in a registry with its
 * instances, their health (grpc.health.v1 or /readyz) and metrics (/metrics), the API of each
 * from server reflection, and a form to try a call. {@linkcode startConsole} is the command as
 * a library.
 *
 * @example
 * ```ts
 * import { startConsole } from "@atreus/atreus/cmd";
 * const console = await startConsole({ registry: "etcd://127.0.0.1:2379", allowCalls: true });
 * // open console.url; later:
 * await console.close();
 * ```
 * @module
 */
import type { Catalog, Discovery } from "../../../registry/mod.ts";
import { CliError, USAGE } from "../errors.ts";
import { version } from "../version.ts";
import { Hub } from "./hub.ts";
import { fixedDiscovery, fixedInstances, registryFromUrl } from "./registry_url.ts";
import { consoleApp } from "./server.ts";

/** Options of {@linkcode startConsole}. */
export interface ConsoleOptions {
  /** A registry URL: `etcd://host:port[/namespace]`, `consul://…`, `nacos://…`. */
  readonly registry?: string;
  /** Fixed instances instead of a registry: each `[name=]url[,url…]`. */
  readonly endpoints?: readonly string[];
  /** A Discovery of your own (with `services()`), instead of either. */
  readonly discovery?: Discovery & Catalog;
  /** Listen address (default `127.0.0.1:7070`; port 0 picks a free one). */
  readonly listen?: string;
  /** Allow the page to call services (default false). */
  readonly allowCalls?: boolean;
  /** A bearer token that guards the page, its API and its events. */
  readonly token?: string;
  /** How often service names are listed, in ms (default 2 000). */
  readonly servicesIntervalMs?: number;
  /** How often /metrics is scraped, in ms (default 2 000). */
  readonly metricsIntervalMs?: number;
  /** How often /readyz is polled where it is the only health, in ms (default 2 000). */
  readonly readyzIntervalMs?: number;
  /** Bound of the console's own requests (scrapes, probes, reflection), in ms (default 5 000). */
  readonly requestTimeoutMs?: number;
}

/** A running console. */
export interface ConsoleServer extends AsyncDisposable {
  /** The page's URL, e.g. `http://127.0.0.1:7070/`. */
  readonly url: string;
  /** Where services come from, for display. */
  readonly source: string;
  /** Stops serving and following the registry. */
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[?::1\]?)$/i;

function listenAddress(text: string): { hostname: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]*):(\d+)$/.exec(text);
  if (m === null || Number(m[2]) > 65535) {
    throw new CliError(`console: --listen ${JSON.stringify(text)} is not host:port`, USAGE);
  }
  return { hostname: m[1].replace(/^\[(.*)\]$/, "$1") || "127.0.0.1", port: Number(m[2]) };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) {
    throw new CliError(`console: ${name} must be positive, got ${value}`, USAGE);
  }
  return v;
}

/**
 * Starts the console. Exactly one of `registry`, `endpoints` and `discovery` names the
 * services. Listening beyond loopback needs a `token`: calls would otherwise be open to the
 * network.
 */
export async function startConsole(options: ConsoleOptions): Promise<ConsoleServer> {
  const given = [
    options.registry,
    options.endpoints?.length ? options.endpoints : undefined,
    options.discovery,
  ]
    .filter((x) => x !== undefined);
  if (given.length !== 1) {
    throw new CliError(
      given.length === 0
        ? "console: say where the services are: --registry etcd://127.0.0.1:2379 (or consul://, nacos://) or --endpoints grpc://host:port"
        : "console: give one of --registry and --endpoints",
      USAGE,
    );
  }
  const { hostname, port } = listenAddress(options.listen ?? "127.0.0.1:7070");
  const loopback = LOOPBACK.test(hostname);
  if (!loopback && !options.token) {
    throw new CliError(
      `console: listening on ${hostname} opens the console to the network: set a token (--token or ATREUS_CONSOLE_TOKEN)`,
      USAGE,
    );
  }
  if (options.token !== undefined && !/^[\x21-\x7e]{8,}$/.test(options.token)) {
    throw new CliError(
      "console: the token must be at least 8 printable ASCII characters, no spaces",
      USAGE,
    );
  }
  const requestTimeoutMs = positive(options.requestTimeoutMs, 5_000, "requestTimeoutMs");
  const discovery = options.discovery ??
    (options.registry !== undefined
      ? registryFromUrl(options.registry)
      : fixedDiscovery(fixedInstances(options.endpoints!)));
  const source = options.registry ??
    (options.discovery ? "discovery" : `fixed endpoints (${options.endpoints!.length})`);
  const hub = new Hub(discovery, { version, source, allowCalls: options.allowCalls === true }, {
    servicesIntervalMs: positive(options.servicesIntervalMs, 2_000, "servicesIntervalMs"),
    metricsIntervalMs: positive(options.metricsIntervalMs, 2_000, "metricsIntervalMs"),
    readyzIntervalMs: positive(options.readyzIntervalMs, 2_000, "readyzIntervalMs"),
    requestTimeoutMs,
    historyPoints: 90,
  });
  const allowedHosts = new Set<string>();
  const closing = new AbortController();
  const app = consoleApp(hub, {
    allowCalls: options.allowCalls === true,
    token: options.token,
    allowedHosts: loopback ? allowedHosts : undefined,
    maxTimeoutMs: 300_000,
    keepAliveMs: 15_000,
    closing: closing.signal,
  });
  const { promise: listening, resolve, reject } = Promise.withResolvers<Deno.NetAddr>();
  let server: Deno.HttpServer;
  try {
    server = Deno.serve({
      hostname,
      port,
      onListen: resolve,
      onError: (error) => {
        console.error(`atreus console: ${message(error)}`);
        return new Response("internal error", { status: 500 });
      },
    }, (req) => app.fetch(req));
  } catch (error) {
    await hub.close();
    if (error instanceof Deno.errors.AddrInUse) {
      throw new CliError(`console: ${hostname}:${port} is in use (pick another with --listen)`);
    }
    throw error;
  }
  server.finished.catch(reject);
  const addr = await listening;
  const shown = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  if (loopback) {
    for (const h of [shown, "127.0.0.1", "localhost", "[::1]"]) {
      allowedHosts.add(`${h}:${addr.port}`.toLowerCase());
    }
  }
  await hub.start();
  const close = async () => {
    closing.abort();
    await hub.close();
    await server.shutdown();
  };
  return {
    url: `http://${shown === "0.0.0.0" ? "127.0.0.1" : shown}:${addr.port}/`,
    source,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
