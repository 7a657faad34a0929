// A helloworld instance that publishes no /metrics (an older Atreus, or a service that does not
// mount the route): the example's service and middleware on servers of its own, registered in
// etcd like examples/registry/helloworld.ts, so the console has an instance to say so about.
//   deno run -A tests/console/unmetered_helloworld.ts --etcd http://127.0.0.1:2379
import process from "node:process";
import { parseArgs } from "node:util";
import { App } from "../../mod.ts";
import { etcd } from "../../registry/mod.ts";
import { createGrpcServer, createHttpServer } from "../../transport/mod.ts";
import { middleware, services } from "../../examples/helloworld/internal/server/server.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: { etcd: { type: "string", default: "http://127.0.0.1:2379" } },
});

const registry = etcd({ endpoint: flags.etcd });
const registrations = services();

const app = new App({
  name: "helloworld",
  version: "v1.0.0",
  servers: [
    createHttpServer({ address: "127.0.0.1:0", services: registrations, middleware: middleware() }),
    createGrpcServer({ address: "127.0.0.1:0", services: registrations, middleware: middleware() }),
  ],
  registrar: registry,
  afterStart: ({ app }) =>
    console.log(`unmetered helloworld ${app.id} serving ${app.endpoints.join(" ")}`),
});

try {
  await app.run();
} finally {
  await registry.close();
}
