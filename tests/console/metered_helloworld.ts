// A helloworld instance with metrics, as a user adds them: the example's service and servers
// plus `metrics.server()` in the middleware and `/metrics` on the HTTP server, registered in
// etcd like examples/registry/helloworld.ts. (examples/helloworld exposes no /metrics yet; once
// it does, the console test can read the example's own.)
//   deno run -A tests/console/metered_helloworld.ts --etcd http://127.0.0.1:2379
import process from "node:process";
import { parseArgs } from "node:util";
import { Hono } from "hono";
import { App } from "../../mod.ts";
import { createMetricsRegistry, metrics, metricsHandler } from "../../middleware/mod.ts";
import { etcd } from "../../registry/mod.ts";
import { createGrpcServer, createHttpServer } from "../../transport/mod.ts";
import { middleware, services } from "../../examples/helloworld/internal/server/server.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: { etcd: { type: "string", default: "http://127.0.0.1:2379" } },
});

const registry = etcd({ endpoint: flags.etcd });
const meter = createMetricsRegistry();
const registrations = services();
const withMetrics = [...middleware(), metrics.server({ meter })];
const web = new Hono();
web.get("/metrics", metricsHandler(meter));

const app = new App({
  name: "helloworld",
  version: "v1.0.0",
  metadata: { metrics: "/metrics" },
  servers: [
    createHttpServer({
      app: web,
      address: "127.0.0.1:0",
      services: registrations,
      middleware: withMetrics,
    }),
    createGrpcServer({ address: "127.0.0.1:0", services: registrations, middleware: withMetrics }),
  ],
  registrar: registry,
  afterStart: ({ app }) =>
    console.log(`metered helloworld ${app.id} serving ${app.endpoints.join(" ")}`),
});

try {
  await app.run();
} finally {
  await registry.close();
}
