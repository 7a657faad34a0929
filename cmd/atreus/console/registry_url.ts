// `--registry` and `--endpoints`: turn what a user types into a source of services. Registry
// URLs name the backend by scheme (etcd://, consul://, nacos://, with a `+https` variant) and
// carry the adapter's few options in the path and query, so one flag says it all.
import {
  type Catalog,
  consul,
  type Discovery,
  etcd,
  nacos,
  type Registry,
  type ServiceInstance,
} from "../../../registry/mod.ts";
import { CliError, USAGE } from "../errors.ts";

const DEFAULT_PORTS: Readonly<Record<string, number>> = { etcd: 2379, consul: 8500, nacos: 8848 };

function usage(message: string): CliError {
  return new CliError(`console: ${message}`, USAGE);
}

/**
 * Parses `etcd://host:port[/namespace]`, `consul://host:port[?token=&dc=]` or
 * `nacos://host:port[?namespace=&group=&token=]` (each also `<scheme>+https://`) into an
 * adapter. Throws a usage `CliError` naming what is wrong.
 */
export function registryFromUrl(text: string): Registry & Catalog {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usage(`--registry ${JSON.stringify(text)} is not a URL like etcd://127.0.0.1:2379`);
  }
  const [kind, transport = "http"] = url.protocol.slice(0, -1).split("+");
  if (!(kind in DEFAULT_PORTS) || (transport !== "http" && transport !== "https")) {
    throw usage(
      `--registry ${JSON.stringify(text)}: unknown scheme ${JSON.stringify(url.protocol)} ` +
        "(want etcd://, consul:// or nacos://, optionally +https)",
    );
  }
  if (url.hostname === "") throw usage(`--registry ${JSON.stringify(text)} names no host`);
  const endpoint = `${transport}://${url.hostname}:${url.port || DEFAULT_PORTS[kind]}`;
  const query = url.searchParams;
  const known: Record<string, readonly string[]> = {
    etcd: [],
    consul: ["token", "dc"],
    nacos: ["namespace", "group", "token"],
  };
  for (const key of query.keys()) {
    if (!known[kind].includes(key)) {
      const allowed = known[kind].length > 0 ? known[kind].join(", ") : "none";
      throw usage(
        `--registry: ${kind} takes no parameter ${JSON.stringify(key)} (known: ${allowed})`,
      );
    }
  }
  const path = decodeURIComponent(url.pathname).replace(/\/+$/, "");
  if (kind === "etcd") {
    return etcd({ endpoint, ...(path === "" ? {} : { namespace: path }) });
  }
  if (path !== "") {
    throw usage(`--registry: ${kind} URLs take no path, got ${JSON.stringify(path)}`);
  }
  if (kind === "consul") {
    return consul({
      address: endpoint,
      token: query.get("token") ?? Deno.env.get("CONSUL_HTTP_TOKEN") ?? undefined,
      datacenter: query.get("dc") ?? undefined,
    });
  }
  return nacos({
    address: endpoint,
    namespaceId: query.get("namespace") ?? undefined,
    group: query.get("group") ?? undefined,
    accessToken: query.get("token") ?? undefined,
  });
}

/**
 * Parses `--endpoints` values: each is one instance, `[name=]url[,url…]`, where a bare
 * `host:port` means `grpc://host:port`. Instances without a name are named by their first
 * address; the id is always the first address.
 */
export function fixedInstances(values: readonly string[]): ServiceInstance[] {
  const seen = new Set<string>();
  return values.map((value) => {
    const eq = value.indexOf("=");
    const named = eq > 0 && !value.slice(0, eq).includes("/");
    const name = named ? value.slice(0, eq) : undefined;
    const urls = (named ? value.slice(eq + 1) : value).split(",").map((u) => u.trim())
      .filter((u) => u !== "");
    if (urls.length === 0) throw usage(`--endpoints ${JSON.stringify(value)} names no address`);
    const endpoints = urls.map((u) => {
      const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(u) ? u : `grpc://${u}`;
      let url: URL;
      try {
        url = new URL(withScheme);
      } catch {
        throw usage(`--endpoints: ${JSON.stringify(u)} is not an address like grpc://host:port`);
      }
      if (!["grpc:", "grpcs:", "http:", "https:"].includes(url.protocol) || url.port === "") {
        throw usage(
          `--endpoints: ${JSON.stringify(u)} must be grpc://, grpcs://, http:// or https:// ` +
            "with a port",
        );
      }
      return `${url.protocol}//${url.host}`;
    });
    const id = new URL(endpoints[0]).host;
    if (name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
      throw usage(`--endpoints: service name ${JSON.stringify(name)} is not a plain name`);
    }
    const key = `${name ?? id}/${id}`;
    if (seen.has(key)) throw usage(`--endpoints: ${id} is given twice`);
    seen.add(key);
    return { id, name: name ?? id, version: "", metadata: {}, endpoints };
  });
}

/** A Discovery over a fixed list that never changes. */
export function fixedDiscovery(instances: readonly ServiceInstance[]): Discovery & Catalog {
  const of = (name: string) => instances.filter((i) => i.name === name);
  return {
    getService: (name) => Promise.resolve(of(name)),
    services: () => Promise.resolve([...new Set(instances.map((i) => i.name))].sort()),
    watch(name) {
      let first = true;
      let stop: (() => void) | undefined;
      const stopped = new Promise<never>((_, reject) => {
        stop = () => reject(new Error("watcher stopped"));
      });
      stopped.catch(() => {});
      return Promise.resolve({
        next: () => {
          if (!first) return stopped;
          first = false;
          return Promise.resolve(of(name));
        },
        stop: () => {
          stop?.();
          return Promise.resolve();
        },
      });
    },
  };
}
