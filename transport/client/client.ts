// createClient: a typed Connect-ES client whose calls are balanced over the nodes of an
// endpoint — a registry service, a fixed address list, or one URL.
import { ExpiryQueue } from "../../internal/expiry.ts";
import { createClient as createConnectClient } from "@connectrpc/connect";
import { helper } from "../../log/mod.ts";
import type { FetchLike } from "../../internal/http.ts";
import type { Discovery, ServiceInstance } from "../../registry/mod.ts";
import {
  type Balancer,
  createNode,
  createSelector,
  type Node,
  type NodeFilter,
  type Selector,
  toNodes,
} from "../../selector/mod.ts";
import { createRegistry } from "@bufbuild/protobuf";
import { descMessages, descService, interceptorsOf } from "../adapter.ts";
import { type CompressionCodec, gzip } from "../compression.ts";
import type { MessageDesc, Middleware, ServiceDesc } from "../../internal/contract.ts";
import { balancedTransport } from "./call.ts";
import { type NodeSource, startDiscovery } from "./discovery.ts";
import { parseEndpoint, type Target } from "./endpoint.ts";
import { ClientError } from "./errors.ts";
import { InvalidOptionError, positiveInt } from "../../internal/options.ts";
import { NodePool } from "./nodes.ts";
import { checkTls, chooseEngine, type ClientTlsOptions, type HttpVersion } from "./engine.ts";
import {
  type ClientProtocol,
  loadConnectNode,
  nodeTransport,
  protocols,
  schemesOf,
  type WireOptions,
} from "./protocol.ts";
import type { Client, ClientHandle } from "./types.ts";

/** Options of `createClient`. */
export interface ClientOptions {
  /**
   * Where the service is: `discovery:///name` (through `discovery`), `direct:///host:port,…`
   * (fixed addresses, balanced), or one `http://`, `https://`, `grpc://` or `grpcs://` URL.
   */
  readonly endpoint: string;
  /** The registry to resolve `discovery:///` endpoints with. */
  readonly discovery?: Discovery;
  /** Node balancer (default `wrr()`, Kratos's default); one per client. */
  readonly balancer?: Balancer;
  /** Node filters applied to every pick, e.g. `version("v2")`. */
  readonly filters?: readonly NodeFilter[];
  /**
   * Whether the filters read request headers (`PickContext.metadata`); off by default so picks
   * do not copy headers for filters that never look at them.
   */
  readonly filtersUseMetadata?: boolean;
  /**
   * Wire protocol: `"connect"` (default) or `"grpc-web"` over fetch (every runtime, Workers
   * too; dials `http`/`https` endpoints), or `"grpc"` over node:http2 (Node, Deno, Bun; dials
   * `grpc`/`grpcs` endpoints).
   */
  readonly protocol?: ClientProtocol;
  /**
   * Client middleware, outermost first, run once per call around the node pick. Recommended:
   * `[metadata.client(), logging.client(), circuitBreaker(), retry()]`.
   */
  readonly middleware?: readonly Middleware[];
  /**
   * Default deadline of unary calls in ms (default 2000, as Kratos; `0` for none). A call's
   * `timeoutMs` overrides it; either way a call made while serving another never outlives the
   * caller's deadline, and the time left travels as `grpc-timeout` / `connect-timeout-ms`.
   */
  readonly timeoutMs?: number;
  /** The fetch Connect and gRPC-Web use (TLS settings, proxies, tests). */
  readonly fetch?: FetchLike;
  /** Protobuf binary bodies (default true); false sends JSON (Connect and gRPC-Web). */
  readonly useBinaryFormat?: boolean;
  /** Dial `direct:///` addresses with TLS (default false). */
  readonly secure?: boolean;
  /** How long an idle HTTP/2 connection (gRPC) is kept, in ms (default 60 000). */
  readonly idleConnectionTimeoutMs?: number;
  /**
   * TLS for `https://`, `grpcs://` and `secure` endpoints: the authorities to trust and a client
   * certificate (mTLS), as PEM text. Node, Deno and Bun; Workers' fetch uses its own store.
   */
  readonly tls?: ClientTlsOptions;
  /**
   * Pins Connect and gRPC-Web to HTTP/1.1 or HTTP/2 (h2c on `http://`). Unset, fetch decides
   * (HTTP/1.1 on cleartext, ALPN over TLS). HTTP/2 gives full-duplex bidi streams; on Node
   * and Bun it goes over node:http2. gRPC is always HTTP/2.
   */
  readonly httpVersion?: HttpVersion;
  /** Compresses request messages with this codec (`gzip`, `brotli`; default none). */
  readonly sendCompression?: CompressionCodec;
  /** Codecs the server may compress responses with, preferred first (default `[gzip]`). */
  readonly acceptCompression?: readonly CompressionCodec[];
  /** Request messages smaller than this many bytes go uncompressed (default 1024). */
  readonly compressMinBytes?: number;
  /** Largest response message accepted, in bytes, after decompression (default 16 MiB). */
  readonly readMaxBytes?: number;
  /** Largest request message sent, in bytes (default 16 MiB). */
  readonly writeMaxBytes?: number;
  /**
   * Connect: call methods marked `idempotency_level = NO_SIDE_EFFECTS` with HTTP GET (the
   * request in the query string, cacheable); default false.
   */
  readonly useHttpGet?: boolean;
  /** Message types `google.protobuf.Any` fields may hold in JSON bodies (`useBinaryFormat: false`). */
  readonly jsonTypes?: readonly MessageDesc[];
  /** Told about discovery problems (default: a warning in the log). */
  readonly onError?: (error: Error) => void;
}

function option(name: string, message: string, value?: unknown): InvalidOptionError {
  return new InvalidOptionError("client", name, "", value, message);
}

const MiB = 1024 * 1024;

function checkWire(options: ClientOptions): WireOptions {
  const { sendCompression, acceptCompression, compressMinBytes, readMaxBytes, writeMaxBytes } =
    options;
  if (sendCompression !== undefined && !isCodec(sendCompression)) {
    throw option("sendCompression", "sendCompression must be a compression codec (gzip, brotli)");
  }
  if (
    acceptCompression !== undefined &&
    !(Array.isArray(acceptCompression) && acceptCompression.every(isCodec))
  ) {
    throw option("acceptCompression", "acceptCompression must be an array of compression codecs");
  }
  const sizes = [["readMaxBytes", readMaxBytes], ["writeMaxBytes", writeMaxBytes]] as const;
  for (const [name, value] of sizes) {
    if (value !== undefined) positiveInt("client", name, value);
  }
  if (
    compressMinBytes !== undefined && !(Number.isInteger(compressMinBytes) && compressMinBytes >= 0)
  ) {
    throw option(
      "compressMinBytes",
      `compressMinBytes must be an integer >= 0, got ${compressMinBytes}`,
    );
  }
  if (
    options.jsonTypes !== undefined &&
    !(Array.isArray(options.jsonTypes) && options.jsonTypes.every((t) => t?.kind === "message"))
  ) {
    throw option(
      "jsonTypes",
      "jsonTypes must be an array of message descriptors (…Schema exports)",
    );
  }
  return {
    useBinaryFormat: options.useBinaryFormat ?? true,
    sendCompression: sendCompression ?? null,
    acceptCompression: [...(acceptCompression ?? [gzip])],
    // Connect-ES compresses messages *larger* than its minimum; this option names the smallest
    // size that is compressed.
    compressMinBytes: (compressMinBytes ?? 1024) - 1,
    readMaxBytes: readMaxBytes ?? 16 * MiB,
    writeMaxBytes: writeMaxBytes ?? 16 * MiB,
    useHttpGet: options.useHttpGet === true,
    jsonOptions: options.jsonTypes === undefined ? undefined : {
      registry: createRegistry(...descMessages(options.jsonTypes)),
    },
  };
}

function isCodec(value: unknown): value is CompressionCodec {
  const c = value as Partial<CompressionCodec> | undefined;
  return typeof c?.name === "string" && typeof c.compress === "function" &&
    typeof c.decompress === "function";
}

function checkOptions(service: unknown, options: ClientOptions | undefined): ClientOptions {
  const s = service as Partial<ServiceDesc> | undefined;
  if (s?.kind !== "service" || !Array.isArray(s.methods)) {
    throw option(
      "service",
      "the first argument must be a service descriptor (e.g. Greeter from *_pb.ts)",
    );
  }
  if (typeof options !== "object" || options === null) {
    throw option("options", "options with an endpoint are required");
  }
  const { timeoutMs, middleware, filters, balancer, fetch, idleConnectionTimeoutMs } = options;
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
    throw option("timeoutMs", `timeoutMs must be a number of ms >= 0, got ${timeoutMs}`);
  }
  if (
    idleConnectionTimeoutMs !== undefined &&
    !(Number.isFinite(idleConnectionTimeoutMs) && idleConnectionTimeoutMs > 0)
  ) {
    throw option(
      "idleConnectionTimeoutMs",
      `idleConnectionTimeoutMs must be a positive number, got ${idleConnectionTimeoutMs}`,
    );
  }
  if (middleware !== undefined && !isFunctionList(middleware)) {
    throw option("middleware", "middleware must be an array of middleware functions");
  }
  if (filters !== undefined && !isFunctionList(filters)) {
    throw option("filters", "filters must be an array of node filter functions");
  }
  if (
    balancer !== undefined &&
    (typeof balancer?.pick !== "function" || typeof balancer.apply !== "function")
  ) {
    throw option("balancer", "balancer must be a balancer (p2c(), wrr(), random())");
  }
  if (fetch !== undefined && typeof fetch !== "function") {
    throw option("fetch", "fetch must be a function");
  }
  return options;
}

function isFunctionList(value: unknown): boolean {
  return Array.isArray(value) && value.every((f) => typeof f === "function");
}

function checkProtocol(options: ClientOptions, target: Target): ClientProtocol {
  const protocol = options.protocol ?? "connect";
  if (!protocols.includes(protocol)) {
    throw new ClientError(
      "invalid_protocol",
      `client: unknown protocol ${JSON.stringify(protocol)}; want one of ${protocols.join(", ")}`,
    );
  }
  if (target.kind === "url" && target.scheme.startsWith("grpc") && protocol !== "grpc") {
    throw new ClientError(
      "invalid_protocol",
      `client: ${target.url} is a native gRPC endpoint; use protocol "grpc", or the service's ` +
        `http(s):// endpoint for protocol ${JSON.stringify(protocol)}`,
    );
  }
  if (protocol === "grpc" && options.fetch !== undefined) {
    throw option(
      "fetch",
      'fetch is used by "connect" and "grpc-web"; protocol "grpc" uses node:http2',
    );
  }
  return protocol;
}

/** Instances for a `direct:///` list: one per address, with the protocol's scheme. */
function directInstances(
  addresses: readonly string[],
  protocol: ClientProtocol,
  secure: boolean,
): ServiceInstance[] {
  const scheme = schemesOf(protocol)[secure ? 1 : 0];
  return addresses.map((address) => ({
    id: address,
    name: "direct",
    version: "",
    metadata: {},
    endpoints: [`${scheme}://${address}`],
  }));
}

/**
 * Creates a typed client of `service` (a protoc-gen-es service descriptor): one function per
 * RPC, exactly as Connect-ES's `createClient` makes them, so errors are Connect-ES
 * `ConnectError`s (`errors.fromError(e)` reads a Kratos reason and metadata from them).
 *
 * Each call runs the middleware, then picks a node (a failed pick is Unavailable with reason
 * `NODE_NOT_FOUND`), then calls it over a transport kept per node. `discovery:///` clients
 * keep the registry's last good list through outages and use only the endpoints their protocol
 * dials; calls made before the first list arrives wait for it.
 *
 * The return type is spelled with Atreus's own structural types (`Client<S>`), because public
 * signatures here may not name protobuf-es types; for a generated service it is the same type
 * as Connect-ES's `Client<typeof Service>`, plus `close()`. Throws `ClientError` for a bad endpoint or protocol, `InvalidOptionError` for other bad options.
 *
 * @example
 * ```ts
 * import { createClient } from "@atreus/atreus/client";
 * import { circuitBreaker, logging, retry } from "@atreus/atreus/middleware";
 * import * as metadata from "@atreus/atreus/metadata";
 * import { etcd } from "@atreus/atreus/registry";
 *
 * const greeter = createClient(Greeter, {
 *   endpoint: "discovery:///helloworld",
 *   discovery: etcd({ endpoint: "http://127.0.0.1:2379" }),
 *   protocol: "grpc",
 *   middleware: [metadata.client(), logging.client(), circuitBreaker(), retry()],
 * });
 * const { message } = await greeter.sayHello({ name: "atreus" });
 * await greeter.close();
 * ```
 */
export function createClient<S extends ServiceDesc>(
  service: S,
  options: ClientOptions,
): Client<S> {
  checkOptions(service, options);
  const target = parseEndpoint(options.endpoint);
  const protocol = checkProtocol(options, target);
  const wire = checkWire(options);
  const tls = checkTls(options.tls);
  const engine = chooseEngine(protocol, options.httpVersion, tls, options.fetch !== undefined);
  if (target.kind === "discovery" && typeof options.discovery?.watch !== "function") {
    throw new ClientError(
      "missing_discovery",
      `client: ${options.endpoint} needs a discovery (e.g. { discovery: etcd({ endpoint }) })`,
    );
  }
  // Loading node:http2 now, outside any call, also spares the first call the wait.
  if (engine.kind === "node") loadConnectNode().catch(() => {});
  const schemes = schemesOf(protocol);
  const name = target.kind === "discovery" ? target.name : options.endpoint;
  const onError = options.onError ??
    ((error: Error) =>
      helper().warnw("client: discovery", "service", name, "error", error.message));
  const base = (node: Node) =>
    target.kind === "url"
      ? target.url.replace(/^grpc/, "http")
      : `${node.secure ? "https" : "http"}://${node.address}`;
  const pool = new NodePool((node) =>
    nodeTransport(base(node), {
      protocol,
      engine,
      wire,
      fetch: options.fetch,
      tls,
      idleConnectionTimeoutMs: options.idleConnectionTimeoutMs ?? 60_000,
    })
  );
  const inner = createSelector({
    service: name,
    balancer: options.balancer,
    filters: options.filters,
  });
  // Every node list passes through here, so transports of nodes that left are released.
  const selector: Selector = {
    balancer: inner.balancer,
    apply(nodes) {
      inner.apply(nodes);
      pool.retain(nodes);
    },
    nodes: () => inner.nodes(),
    pick: (context) => inner.pick(context),
  };

  let source: NodeSource | undefined;
  if (target.kind === "discovery") {
    source = startDiscovery(options.discovery!, target.name, selector, { schemes, onError });
  } else if (target.kind === "direct") {
    selector.apply(
      toNodes(directInstances(target.addresses, protocol, options.secure ?? false), { schemes }),
    );
  } else {
    const instance = { id: target.url, name, version: "", metadata: {}, endpoints: [target.url] };
    selector.apply([createNode(instance, target.url)]);
  }

  let closed = false;
  let closing: Promise<void> | undefined;
  const unaryTimeoutMs = options.timeoutMs === 0 ? undefined : options.timeoutMs ?? 2_000;
  const expiries = unaryTimeoutMs === undefined
    ? undefined
    : new ExpiryQueue(unaryTimeoutMs, { keepIdle: true });
  const close = () =>
    closing ??= (async () => {
      closed = true;
      expiries?.close();
      await source?.stop();
      pool.close();
    })();
  const transport = balancedTransport({
    endpoint: options.endpoint.replace(/\/+$/, ""),
    service: name,
    protocol,
    binary: options.useBinaryFormat ?? true,
    unaryTimeoutMs,
    expiries,
    interceptors: interceptorsOf([...(options.middleware ?? [])]),
    routesOnMetadata: options.filtersUseMetadata ?? false,
    selector,
    pool,
    source,
    closed: () => closed,
  });
  const client = createConnectClient(descService(service), transport) as Record<
    PropertyKey,
    unknown
  >;
  const handle: ClientHandle = { close, [Symbol.asyncDispose]: close };
  if (!("close" in client)) client.close = handle.close;
  client[Symbol.asyncDispose] = handle[Symbol.asyncDispose];
  return client as Client<S>;
}
