// helloworld entry for Deno, Bun and Node 22+:
//   deno run -A main.ts | bun main.ts | node --experimental-transform-types main.ts
// Configuration comes from configs/ (or --conf), overridden by HELLOWORLD__* environment
// variables; --http/--grpc flags override the addresses (--grpc "" disables gRPC). The log
// level follows configs/ live: edit `log.level` and the running service picks it up.
import process from "node:process";
import { parseArgs } from "node:util";
import { Hono } from "hono";
import { durationMs } from "@bufbuild/protobuf/wkt";
import { App } from "../../mod.ts";
import type { Server } from "../../transport/mod.ts";
import * as log from "../../log/mod.ts";
import { LogLevel, LogSchema } from "./gen/conf/conf_pb.ts";
import { loadConfig } from "./internal/conf/load.ts";
import { newGrpcServer, newHttpServer, services } from "./internal/server/server.ts";
import { addWebRoutes } from "./internal/server/web.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    conf: { type: "string" },
    http: { type: "string", default: process.env.HTTP_ADDR },
    grpc: { type: "string", default: process.env.GRPC_ADDR },
    "stop-timeout": { type: "string", default: process.env.STOP_TIMEOUT_MS ?? "30000" },
  },
});

const levels: Record<number, log.Level> = {
  [LogLevel.DEBUG]: "debug",
  [LogLevel.INFO]: "info",
  [LogLevel.WARN]: "warn",
  [LogLevel.ERROR]: "error",
};
let level: log.Level = "info";
const logger = log.filter(
  log.with(log.createLogger({ format: "logfmt" }), "ts", log.timestamp(), "caller", log.caller()),
  { drop: (l) => log.levels.indexOf(l) < log.levels.indexOf(level) },
);

const { bootstrap, config } = await loadConfig({
  path: flags.conf,
  onError: (error) => logger.log("error", "msg", "config change rejected", "error", error.message),
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
  httpAddress: flags.http ?? bootstrap.server?.http?.addr ?? "0.0.0.0:8000",
  grpcAddress: flags.grpc ?? bootstrap.server?.grpc?.addr ?? "0.0.0.0:9000",
  timeoutMs: timeout && durationMs(timeout),
};
const registrations = services();
const web = new Hono();
addWebRoutes(web);
const servers: Server[] = [newHttpServer(conf, registrations, web)];
if (conf.grpcAddress !== "") servers.push(newGrpcServer(conf, registrations));

const app = new App({
  name: "helloworld",
  version: "v1.0.0",
  logger,
  servers,
  stopTimeout: Number(flags["stop-timeout"]),
  afterStart: ({ app }) => console.log(`helloworld serving ${app.endpoints.join(" ")}`),
  beforeStop: () => console.log("helloworld stopping"),
  afterStop: async () => {
    await config.close();
    console.log("helloworld stopped");
  },
});

await app.run();
