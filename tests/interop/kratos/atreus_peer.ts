// The Atreus side of the Go Kratos interop tests: an App serving interop.v1.Greeter on gRPC and
// HTTP (Connect, gRPC-Web and the google.api.http REST routes), registered in etcd, with
// recovery, tracing and metadata middleware; Relay calls the next hop through discovery.
// Run in process with `startAtreus`, or as a process (for signals):
//   deno run -A tests/interop/kratos/atreus_peer.ts --etcd URL --name N --id I [--delay-ms D]
// which prints `READY {"id","endpoints"}` once registered.
import { parseArgs } from "node:util";
import { create } from "@bufbuild/protobuf";
import { ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { TracerProvider } from "@opentelemetry/sdk-trace";
import { App } from "../../../mod.ts";
import { newError } from "../../../errors/mod.ts";
import * as metadata from "../../../metadata/mod.ts";
import { recovery, retry } from "../../../middleware/mod.ts";
import { tracing } from "../../../middleware/tracing/mod.ts";
import { etcd, type Registry } from "../../../registry/mod.ts";
import { createGrpcServer, createHttpServer, type Middleware } from "../../../transport/mod.ts";
import { createClient } from "../../../transport/client/mod.ts";
import {
  Greeter,
  type Hop,
  HopSchema,
  type Route,
  ValuesSchema,
} from "./gen/interop/v1/greeter_pb.ts";

/** Options of one Atreus peer. */
export interface AtreusPeerOptions {
  /** etcd endpoint to register in and discover through. */
  readonly etcd: string;
  /** Service name. */
  readonly name: string;
  /** Instance id. */
  readonly id: string;
  /** Lease TTL in seconds (default 15). */
  readonly ttl?: number;
  /** Spans go here; without it tracing middleware runs on the global (no-op) provider. */
  readonly tracerProvider?: TracerProvider;
  /** Endpoints to register instead of the servers' (query strings, grpcs://). */
  readonly endpoints?: readonly string[];
  /** HTTP and gRPC listen addresses (default 127.0.0.1:0 each). */
  readonly httpAddress?: string;
  readonly grpcAddress?: string;
  /** Serve gRPC with TLS (registered as grpcs://). */
  readonly grpcTls?: { readonly cert: string; readonly key: string };
  /** How long SayHello takes, so calls are in flight when the app stops (default 0). */
  readonly sayHelloDelayMs?: number;
  /** Signals that stop the app (default none in process). */
  readonly signals?: readonly string[] | false;
}

/** A started Atreus peer. */
export interface AtreusPeer {
  /** The registered endpoints. */
  readonly endpoints: readonly string[];
  /** The app. */
  readonly app: App;
  /** Resolves when the app has stopped (by signal or `stop()`). */
  readonly done: Promise<void>;
  /** Stops the app (deregistering it) and closes its registry and clients. */
  stop(): Promise<void>;
}

type GreeterImpl = ServiceImpl<typeof Greeter>;
type Client = ReturnType<typeof createClient<typeof Greeter>>;

function greeter(id: string, next: (route: Route) => Client, delayMs: number): GreeterImpl {
  return {
    async sayHello(req) {
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      return { message: `Hello ${req.name}`, server: id };
    },
    fail(req) {
      if (req.grpcCode !== 0) throw new ConnectError(req.message, req.grpcCode);
      throw newError(req.code, req.reason, req.message).withMetadata({ ...req.metadata });
    },
    async relay(req) {
      const seen = metadata.fromServerContext();
      const hop: Hop = create(HopSchema, { server: id });
      for (const [key, values] of seen ?? []) hop.metadata[key] = create(ValuesSchema, { values });
      const span = tracing.activeSpan()?.spanContext();
      if (span !== undefined) Object.assign(hop, { traceId: span.traceId, spanId: span.spanId });
      const hops = [hop];
      if (req.route.length > 0) {
        const reply = await next(req.route[0]).relay({ route: req.route.slice(1) });
        hops.push(...reply.hops);
      }
      return { hops };
    },
  };
}

/** Starts an Atreus peer and waits until it is registered. */
export async function startAtreus(options: AtreusPeerOptions): Promise<AtreusPeer> {
  const registry: Registry = etcd({ endpoint: options.etcd, ttlMs: (options.ttl ?? 15) * 1000 });
  const provider = options.tracerProvider;
  const clients = new Map<string, Client>();
  const clientMiddleware: Middleware[] = [
    tracing.client({ tracerProvider: provider }),
    metadata.client(),
    retry(),
  ];
  const next = (route: Route): Client => {
    const key = `${route.service}|${route.transport}`;
    let c = clients.get(key);
    if (c === undefined) {
      c = createClient(Greeter, {
        endpoint: `discovery:///${route.service}`,
        discovery: registry,
        protocol: route.transport === "grpc" ? "grpc" : "connect",
        middleware: clientMiddleware,
      });
      clients.set(key, c);
    }
    return c;
  };
  const services = [[Greeter, greeter(options.id, next, options.sayHelloDelayMs ?? 0)]] as const;
  const middleware = [recovery(), tracing.server({ tracerProvider: provider }), metadata.server()];
  let ready: (endpoints: readonly string[]) => void;
  const registered = new Promise<readonly string[]>((r) => ready = r);
  const app = new App({
    id: options.id,
    name: options.name,
    version: "atreus",
    servers: [
      createHttpServer({ address: options.httpAddress ?? "127.0.0.1:0", services, middleware }),
      createGrpcServer({
        address: options.grpcAddress ?? "127.0.0.1:0",
        services,
        middleware,
        tls: options.grpcTls,
      }),
    ],
    endpoints: options.endpoints,
    registrar: registry,
    signals: options.signals ?? false,
    stopTimeoutMs: 10_000,
    afterStart: ({ app }) => ready(app.endpoints),
  });
  const running = app.run();
  const endpoints = await Promise.race([
    registered,
    running.then(() => {
      throw new Error(`atreus peer ${options.id} stopped before it registered`);
    }),
  ]);
  const done = running.finally(async () => {
    await Promise.all([...clients.values()].map((c) => c.close()));
    await registry.close();
  });
  return {
    endpoints,
    app,
    done,
    async stop() {
      await app.stop();
      await done;
    },
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      etcd: { type: "string" },
      name: { type: "string" },
      id: { type: "string" },
      ttl: { type: "string", default: "15" },
      "delay-ms": { type: "string", default: "0" },
    },
  });
  const peer = await startAtreus({
    etcd: values.etcd!,
    name: values.name!,
    id: values.id!,
    ttl: Number(values.ttl),
    sayHelloDelayMs: Number(values["delay-ms"]),
    signals: ["SIGTERM", "SIGINT"],
  });
  console.log(`READY ${JSON.stringify({ id: values.id, endpoints: peer.endpoints })}`);
  await peer.done;
}
