// The gateway of the registry example: serves gateway.v1.Gateway and greets through the
// helloworld instances it discovers in etcd (discovery:///helloworld), balanced per call, with
// the recommended client middleware. It registers itself in etcd too.
//   deno run -A examples/registry/gateway.ts [--etcd http://127.0.0.1:2379]
//     [--http 127.0.0.1:8080] [--grpc 127.0.0.1:9080] [--protocol grpc|connect|grpc-web]
import process from "node:process";
import { parseArgs } from "node:util";
import { Hono } from "hono";
import { App } from "../../mod.ts";
import * as log from "../../log/mod.ts";
import * as metadata from "../../metadata/mod.ts";
import { circuitBreaker, logging, recovery, retry } from "../../middleware/mod.ts";
import { createMetricsRegistry, metrics, metricsHandler } from "../../middleware/metrics/mod.ts";
import { tracing } from "../../middleware/tracing/mod.ts";
import { setupTracing } from "../../otel/mod.ts";
import { etcd } from "../../registry/mod.ts";
import { createGrpcServer, createHttpServer } from "../../transport/mod.ts";
import { type ClientProtocol, createClient } from "../../transport/client/mod.ts";
import { Greeter } from "../helloworld/gen/helloworld/v1/greeter_pb.ts";
import { Gateway } from "./gen/gateway/v1/gateway_pb.ts";
import { GatewayService } from "./internal/service/gateway.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    etcd: { type: "string", default: process.env.ETCD_ENDPOINT ?? "http://127.0.0.1:2379" },
    http: { type: "string", default: "127.0.0.1:8080" },
    grpc: { type: "string", default: "127.0.0.1:9080" },
    protocol: { type: "string", default: "grpc" },
  },
});

const logger = log.with(log.createLogger({ format: "logfmt" }), "ts", log.timestamp());
// Spans go where OTEL_EXPORTER_OTLP_ENDPOINT says; without it nothing is recorded.
const telemetry = setupTracing({ serviceName: "gateway", serviceVersion: "v1.0.0", logger });
const meter = createMetricsRegistry();

const registry = etcd({ endpoint: flags.etcd });
const greeter = createClient(Greeter, {
  endpoint: "discovery:///helloworld",
  discovery: registry,
  protocol: flags.protocol as ClientProtocol,
  // The client span and metrics outermost: one logical call, retries included.
  middleware: [
    tracing.client(),
    metrics.client({ meter }),
    metadata.client(),
    logging.client(),
    circuitBreaker(),
    retry(),
  ],
});

const services = [[Gateway, new GatewayService(greeter)]] as const;
const middleware = [
  recovery(),
  tracing.server(),
  metrics.server({ meter }),
  metadata.server(),
  logging.server(),
];
const web = new Hono();
web.get("/metrics", metricsHandler(meter));
const http = createHttpServer({
  address: flags.http,
  app: web,
  services,
  middleware,
  cors: { origin: "*" },
});
const app = new App({
  name: "gateway",
  version: "v1.0.0",
  logger,
  servers: [http, createGrpcServer({ address: flags.grpc, services, middleware })],
  registrar: registry,
  stopTimeoutMs: 10_000,
  // The SDK loads while the servers are built; no call is served before spans are recorded.
  beforeStart: () => telemetry.ready,
  afterStart: ({ app }) => console.log(`gateway serving ${app.endpoints.join(" ")}`),
  // In-flight greetings still need helloworld while the gateway drains; close the client after.
  afterStop: async () => {
    await greeter.close();
    await telemetry.shutdown();
  },
});

try {
  await app.run();
} finally {
  await greeter.close();
  await registry.close();
}
console.log("gateway stopped");
