// One helloworld instance that registers itself in etcd, for the registry example. It reuses
// the helloworld example's service and servers; start as many as you like:
//   deno run -A examples/registry/helloworld.ts [--etcd http://127.0.0.1:2379]
//     [--http 127.0.0.1:0] [--grpc 127.0.0.1:0]
// Port 0 picks free ports; the instance registers the endpoints it actually got. SIGTERM or
// SIGINT deregisters it first, then drains its calls.
import process from "node:process";
import { parseArgs } from "node:util";
import { App } from "../../mod.ts";
import * as log from "../../log/mod.ts";
import { setupTracing } from "../../otel/mod.ts";
import { etcd } from "../../registry/mod.ts";
import { newGrpcServer, newHttpServer, services } from "../helloworld/internal/server/server.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    etcd: { type: "string", default: process.env.ETCD_ENDPOINT ?? "http://127.0.0.1:2379" },
    http: { type: "string", default: "127.0.0.1:0" },
    grpc: { type: "string", default: "127.0.0.1:0" },
  },
});

const logger = log.with(log.createLogger({ format: "logfmt" }), "ts", log.timestamp());
const telemetry = setupTracing({ serviceName: "helloworld", serviceVersion: "v1.0.0", logger });
const registry = etcd({ endpoint: flags.etcd });
const registrations = services();
const conf = { httpAddress: flags.http, grpcAddress: flags.grpc };

const app = new App({
  name: "helloworld",
  version: "v1.0.0",
  logger,
  servers: [newHttpServer(conf, registrations), newGrpcServer(conf, registrations)],
  registrar: registry,
  stopTimeoutMs: 10_000,
  // The SDK loads while the servers are built; no call is served before spans are recorded.
  beforeStart: () => telemetry.ready,
  afterStart: ({ app }) =>
    console.log(`helloworld ${app.id} serving ${app.endpoints.join(" ")} (registered in etcd)`),
  beforeStop: () => console.log("helloworld stopping"),
  afterStop: () => telemetry.shutdown(),
});

try {
  await app.run();
} finally {
  await registry.close();
}
console.log("helloworld stopped");
