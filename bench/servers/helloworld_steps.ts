// helloworld's HTTP server built up from the bare fast path, one shipped option more per row, so
// the bench shows where as-shipped time goes (the last row, helloworld.ts, is the real thing):
//   --upto N   the first N of: CORS for "*", the 1 s deadline, the other routes (OpenAPI document,
//              Swagger UI, the web page and /metrics), then helloworld's own middleware list in
//              its order (recovery, tracing without an SDK, metrics into the registry, metadata,
//              logging: logfmt at info with a timestamp to stdout, a file in the bench), then the
//              App around the server (its logger adds service.id, .name and .version to lines).
import process from "node:process";
import { Hono } from "hono";
import { App } from "../../mod.ts";
import * as log from "../../log/mod.ts";
import { metricsHandler } from "../../middleware/metrics/mod.ts";
import { createHttpServer } from "../../transport/mod.ts";
import {
  metricsRegistry,
  middleware,
  services,
} from "../../examples/helloworld/internal/server/server.ts";
import { addWebRoutes } from "../../examples/helloworld/internal/server/web.ts";
import { announce, portArg, uptoArg } from "./listen.ts";

/** The steps, in the order the rows add them. */
export const steps = [
  "cors",
  "deadline",
  "routes",
  "recovery",
  "tracing",
  "metrics",
  "metadata",
  "logging",
  "app",
] as const;

const upto = uptoArg(steps.length);
const on = (step: (typeof steps)[number]) => steps.indexOf(step) < upto;

// helloworld's logger (app.ts): the App installs it as the global logger the middleware use.
const logger = log.filter(
  log.with(log.createLogger({ format: "logfmt" }), "ts", log.timestamp()),
  { level: () => "info" },
);
if (!on("app")) log.setLogger(logger);
const web = new Hono();
const server = createHttpServer({
  app: web,
  address: `127.0.0.1:${portArg()}`,
  services: services(),
  // helloworld's middleware() is recovery, tracing, metrics, metadata, logging: a prefix of it.
  middleware: middleware().slice(0, Math.max(0, upto - steps.indexOf("recovery"))),
  timeoutMs: on("deadline") ? 1000 : undefined,
  cors: on("cors") ? { origin: "*" } : undefined,
  openapi: on("routes") ? { title: "helloworld", version: "v1.0.0", swaggerUi: true } : undefined,
});
if (on("routes")) {
  web.get("/metrics", metricsHandler(metricsRegistry));
  addWebRoutes(web);
}
if (on("app")) {
  const app = new App({
    name: "helloworld",
    version: "v1.0.0",
    logger,
    servers: [server],
    stopTimeoutMs: 2_000,
    afterStart: () => announce(Number(server.endpoint().port)),
  });
  await app.run();
} else {
  await server.start();
  announce(Number(server.endpoint().port));
  process.on("SIGTERM", () => void server.stop().then(() => process.exit(0)));
}
