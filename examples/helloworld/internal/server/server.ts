// Transport construction for helloworld: one registration, served by the HTTP and gRPC servers.
import {
  createGrpcServer,
  createHttpServer,
  type GrpcServer,
  type HttpServer,
  type ServiceRegistration,
} from "../../../../transport/mod.ts";
import { Greeter } from "../../gen/helloworld/v1/greeter_pb.ts";
import { GreeterService } from "../service/greeter.ts";
import { Hono } from "hono";
import { logging, recovery } from "../../../../middleware/mod.ts";
import {
  createMetricsRegistry,
  metrics,
  metricsHandler,
  type MetricsRegistry,
} from "../../../../middleware/metrics/mod.ts";
import { tracing } from "../../../../middleware/tracing/mod.ts";
import * as metadata from "../../../../metadata/mod.ts";
import type { Middleware } from "../../../../transport/mod.ts";

/** Addresses and limits of the helloworld servers. */
export interface ServerConfig {
  /** HTTP listen address (Connect, gRPC-Web). */
  readonly httpAddress: string;
  /** gRPC listen address; empty disables the gRPC server. */
  readonly grpcAddress: string;
  /** Unary deadline in ms. */
  readonly timeoutMs?: number;
  /** Allowed CORS origin for browsers ("*" by default). */
  readonly corsOrigin?: string;
}

/** The metrics of this process, served at `/metrics` by the HTTP server. */
export const metricsRegistry: MetricsRegistry = createMetricsRegistry();

/**
 * The server middleware: recovery outermost, then a span per call (recorded once an SDK is
 * registered, see `setupTracing`), the call's duration into `metricsRegistry`, metadata
 * capture, and one log line per call (with the trace ids).
 */
export function middleware(registry: MetricsRegistry = metricsRegistry): Middleware[] {
  return [
    recovery(),
    tracing.server(),
    metrics.server({ meter: registry }),
    metadata.server(),
    logging.server(),
  ];
}

/** The registrations served by every helloworld server. */
export function services(): ServiceRegistration[] {
  return [[Greeter, new GreeterService()]];
}

/** Builds the HTTP server. */
export function newHttpServer(
  conf: ServerConfig,
  registrations: ServiceRegistration[] = services(),
  app: Hono = new Hono(),
): HttpServer<Hono> {
  const server = createHttpServer({
    app,
    address: conf.httpAddress,
    services: registrations,
    middleware: middleware(),
    timeoutMs: conf.timeoutMs,
    cors: { origin: conf.corsOrigin ?? "*" },
    openapi: { title: "helloworld", version: "v1.0.0", swaggerUi: true },
  });
  // Added after the server's own routes, so a drain counts and refuses it like every call.
  app.get("/metrics", metricsHandler(metricsRegistry));
  return server;
}

/** Builds the gRPC server. */
export function newGrpcServer(conf: ServerConfig, registrations = services()): GrpcServer {
  return createGrpcServer({
    address: conf.grpcAddress,
    services: registrations,
    middleware: middleware(),
    timeoutMs: conf.timeoutMs,
  });
}
