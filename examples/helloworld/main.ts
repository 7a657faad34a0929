// helloworld entry for Deno, Bun and Node 22+:
//   deno run -A main.ts | bun main.ts | node --experimental-transform-types main.ts
// Flags --http/--grpc (or env HTTP_ADDR/GRPC_ADDR) override the addresses; --grpc "" disables gRPC.
import process from "node:process";
import { parseArgs } from "node:util";
import { App } from "../../mod.ts";
import * as log from "../../log/mod.ts";
import { Hono } from "hono";
import { newGrpcServer, newHttpServer, services } from "./internal/server/server.ts";
import { addWebRoutes } from "./internal/server/web.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    http: { type: "string", default: process.env.HTTP_ADDR ?? "0.0.0.0:8000" },
    grpc: { type: "string", default: process.env.GRPC_ADDR ?? "0.0.0.0:9000" },
    "stop-timeout": { type: "string", default: process.env.STOP_TIMEOUT_MS ?? "30000" },
  },
});

const registrations = services();
const conf = { httpAddress: flags.http, grpcAddress: flags.grpc };
const web = new Hono();
addWebRoutes(web);
const servers = [newHttpServer(conf, registrations, web)];
if (conf.grpcAddress !== "") servers.push(newGrpcServer(conf, registrations) as never);

const logger = log.with(
  log.createLogger({ format: "logfmt" }),
  "ts",
  log.timestamp(),
  "caller",
  log.caller(),
);

const app = new App({
  name: "helloworld",
  version: "v1.0.0",
  logger,
  servers,
  stopTimeout: Number(flags["stop-timeout"]),
  afterStart: ({ app }) => console.log(`helloworld serving ${app.endpoints.join(" ")}`),
  beforeStop: () => console.log("helloworld stopping"),
  afterStop: () => console.log("helloworld stopped"),
});

await app.run();
