// Wires helloworld together (Kratos's wireApp): config, logger, servers and the App. main.ts runs
// it; the benchmark starts this same factory, so what it measures is what ships.
import { Hono } from "hono";
import { durationMs } from "@bufbuild/protobuf/wkt";
import { App } from "../../../../mod.ts";
import type { Server } from "../../../../transport/mod.ts";
import * as log from "../../../../log/mod.ts";
import { setupTracing } from "../../../../otel/mod.ts";
import { LogLevel, LogSchema } from "../../gen/conf/conf_pb.ts";
import { loadConfig } from "../conf/load.ts";
import { newGrpcServer, newHttpServer, services } from "../server/server.ts";
import { addWebRoutes } from "../server/web.ts";

/** What main.ts (or a benchmark) decides; everything else comes from configs/. */
export interface HelloworldOptions {
  /** A config file or directory instead of configs/. */
  readonly conf?: string;
  /** HTTP listen address, overriding the config. */
  readonly http?: string;
  /** gRPC listen address, overriding the config; `""` turns the gRPC server off. */
  readonly grpc?: string;
  /** How long a stop may take before calls are cut, in ms (default 30000). */
  readonly stopTimeoutMs?: number;
  /** Called once every server listens (default: prints `helloworld serving <endpoints>`). */
  readonly onServing?: (endpoints: readonly string[]) => void;
}

const levels: Record<number, log.Level> = {
  [LogLevel.DEBUG]: "debug",
  [LogLevel.INFO]: "info",
  [LogLevel.WARN]: "warn",
  [LogLevel.ERROR]: "error",
};

/**
 * Builds helloworld: logfmt lines to stdout with a timestamp at the configured level (followed
 * live), the HTTP server with CORS, the deadline, the web demo and /metrics, the gRPC server,
 * and tracing exported over OTLP when the standard OTEL_* variables say where.
 */
export async function newHelloworld(options: HelloworldOptions = {}): Promise<App> {
  let level: log.Level = "info";
  // No caller() here: it reads a stack trace for every line user code writes, about the cost of
  // serving a small call (the README has the numbers); add "caller", log.caller() to see it.
  const logger = log.filter(
    log.with(log.createLogger({ format: "logfmt" }), "ts", log.timestamp()),
    { level: () => level },
  );

  // Off (nothing recorded, no exporter) unless OTEL_EXPORTER_OTLP_ENDPOINT or another
  // standard OTEL_* variable turns it on; the exporter's failures are logged, rate-limited.
  const telemetry = setupTracing({ serviceName: "helloworld", serviceVersion: "v1.0.0", logger });
  if (telemetry.endpoint !== undefined) {
    logger.log("info", "msg", "exporting traces", "endpoint", telemetry.endpoint);
  }

  const { bootstrap, config } = await loadConfig({
    path: options.conf,
    onError: (error) =>
      logger.log("error", "msg", "config change rejected", "error", error.message),
  });
  const subscription = await config.subscribe("log", LogSchema, (conf) => {
    const next = levels[conf.level] ?? "info";
    // Logged at the old level's threshold or above, so the change itself is always visible.
    logger.log(level === "debug" ? "debug" : "warn", "msg", "log level changed", "level", next);
    level = next;
  });
  level = levels[subscription.current.level] ?? "info";

  const timeout = bootstrap.server?.http?.timeout;
  const conf = {
    httpAddress: options.http ?? bootstrap.server?.http?.addr ?? "0.0.0.0:8000",
    grpcAddress: options.grpc ?? bootstrap.server?.grpc?.addr ?? "0.0.0.0:9000",
    timeoutMs: timeout && durationMs(timeout),
  };
  const registrations = services();
  const web = new Hono();
  const servers: Server[] = [newHttpServer(conf, registrations, web)];
  // After createHttpServer, so a drain counts these routes and refuses them like every call.
  addWebRoutes(web);
  if (conf.grpcAddress !== "") servers.push(newGrpcServer(conf, registrations));

  const onServing = options.onServing ??
    ((endpoints) => console.log(`helloworld serving ${endpoints.join(" ")}`));
  return new App({
    name: "helloworld",
    version: "v1.0.0",
    logger,
    servers,
    stopTimeoutMs: options.stopTimeoutMs ?? 30_000,
    // The SDK (when OTEL_* turns tracing on) loads while the config is read and the servers
    // are built; no call is served before its spans are recorded.
    beforeStart: () => telemetry.ready,
    afterStart: ({ app }) => onServing(app.endpoints),
    beforeStop: () => console.log("helloworld stopping"),
    afterStop: async () => {
      await config.close();
      await telemetry.shutdown();
      console.log("helloworld stopped");
    },
  });
}
